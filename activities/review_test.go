package activities

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A review of a very large manifest is cut down to fit a workflow payload;
// a small one travels whole.
func TestFitPayloadKeepsTheReviewUnderTheLimit(t *testing.T) {
	small := Review{Digest: "sha256:x", Patches: []ReviewPatch{{ID: "openssl:1", Instances: []string{"i-1"}, CVEs: []string{"CVE-1"}}}}
	require.Equal(t, small, fitPayload(small))

	big := Review{Digest: "sha256:y"}
	long := "/subscriptions/" + strings.Repeat("0", 36) + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/"
	for i := 0; i < 2000; i++ {
		p := ReviewPatch{ID: fmt.Sprintf("pkg%d:1.%d", i, i), InstanceCount: 500, CVEs: []string{"CVE-2026-0001", "CVE-2026-0002"}}
		for j := 0; j < sampleSize; j++ {
			p.Instances = append(p.Instances, fmt.Sprintf("%svm-%d", long, j))
		}
		big.Patches = append(big.Patches, p)
	}
	fit := fitPayload(big)
	b, err := json.Marshal(fit)
	require.NoError(t, err)
	require.LessOrEqual(t, len(b), maxReviewBytes)
	require.Len(t, fit.Patches, 2000, "every patch stays in the review")
	require.Equal(t, 500, fit.Patches[0].InstanceCount)
}

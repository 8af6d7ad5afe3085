package awsfront_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
)

// AWS's patch listings never tell an Ubuntu update's pocket:
// PatchComplianceData has Title, KBId, Classification, Severity, State,
// InstalledTime and CVEIds, no repository
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PatchComplianceData.html),
// and DescribeAvailablePatches "supports only the Amazon Linux 1, Amazon
// Linux 2, and Windows Server operating systems"
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeAvailablePatches.html).
// The emulator still describes Ubuntu packages there (release dates,
// priority, section) but, like AWS, without a Repository; Amazon Linux
// patches keep theirs.
func TestDescribeAvailablePatchesGivesNoUbuntuRepository(t *testing.T) {
	f := cloudsim.Generate(cloudsim.Config{Seed: 3, Instances: 20, AzureShare: -1, Speed: 1, Timing: &cloudsim.Timing{}})
	front := awsfront.New(f, awsfront.Options{PageSize: 100})
	srv := httptest.NewServer(front)
	defer func() { srv.Close(); front.Close() }()
	const key = "ASIA111111111111ABCD"
	list := func(product string) []any {
		status, out := call(t, srv.URL, key, "eu-west-1", "DescribeAvailablePatches",
			`{"Filters":[{"Key":"PRODUCT","Values":["`+product+`"]}],"MaxResults":100}`)
		require.Equal(t, http.StatusOK, status, out)
		require.NotEmpty(t, out["Patches"], product)
		return out["Patches"].([]any)
	}
	for _, p := range list(cloudsim.ProductUbuntu2204) {
		patch := p.(map[string]any)
		require.NotContains(t, patch, "Repository", patch["Name"])
		require.NotEmpty(t, patch["Severity"], "the priority is still listed: %v", patch["Name"])
	}
	repos := 0
	for _, p := range list(cloudsim.ProductAmazonLinux2023) {
		if r, _ := p.(map[string]any)["Repository"].(string); r != "" {
			repos++
		}
	}
	require.Positive(t, repos, "Amazon Linux patches keep their repository")
}

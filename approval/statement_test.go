package approval

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStatementRoundTrips(t *testing.T) {
	all := testStatement()
	subset := testStatement()
	subset.Patches = []string{"libssl3:3.0.2-0ubuntu1.18", "openssl:3.0.2-0ubuntu1.18"}
	subset.Start = StartNow
	subset.Comment = ""
	reject := testStatement()
	reject.Decision, reject.Start, reject.Comment = Reject, "", "driver conflict"
	for _, st := range []Statement{all, subset, reject} {
		got, err := Parse(string(st.Canonical()))
		require.NoError(t, err, string(st.Canonical()))
		require.Equal(t, st, got)
	}
	require.Equal(t, `fleetpatch approval statement v1
namespace: default
workflow: patch-cycle/prod-sensitive/2026-W48
run: 0193a7c0-run
decision: approve
approver: ops-lead@example.com
digest: `+testDigest+`
patches: all
start: window
expires: 2026-11-25T09:00:00Z
comment: CAB-1234
`, string(all.Canonical()))
	require.NotContains(t, string(reject.Canonical()), "patches:")
}

func TestParseRefusesAnythingButTheCanonicalForm(t *testing.T) {
	good := string(testStatement().Canonical())
	for name, text := range map[string]string{
		"CRLF":              strings.ReplaceAll(good, "\n", "\r\n"),
		"no final newline":  strings.TrimSuffix(good, "\n"),
		"reordered":         strings.Replace(strings.Replace(good, "namespace: default\n", "", 1), "run:", "namespace: default\nrun:", 1),
		"repeated key":      good + "comment: again\n",
		"unknown key":       strings.Replace(good, "comment:", "note:", 1),
		"extra space":       strings.Replace(good, "decision: approve", "decision:  approve", 1),
		"local time":        strings.Replace(good, "09:00:00Z", "10:00:00+01:00", 1),
		"other header":      strings.Replace(good, "v1", "v2", 1),
		"unsorted patches":  strings.Replace(good, "patches: all", "patches: b:1 a:1", 1),
		"bad digest":        strings.Replace(good, testDigest, "sha256:abc", 1),
		"reject, no reason": strings.Replace(strings.Replace(strings.Replace(good, "approve", "reject", 1), "patches: all\nstart: window\n", "", 1), "comment: CAB-1234", "comment:", 1),
		"bad decision":      strings.Replace(good, "decision: approve", "decision: allow", 1),
		"space in workflow": strings.Replace(good, "workflow: patch-cycle", "workflow: patch cycle", 1),
	} {
		_, err := Parse(text)
		require.Error(t, err, name)
	}
}

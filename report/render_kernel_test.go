package report_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/report/reporttest"
)

// A live-patched instance (reboot deferred, with its CVEs) and an AL2023
// release move show in every format, not only in report.json.
func TestLivePatchedAndReleaseMovesInEveryFormat(t *testing.T) {
	rep := reporttest.Synthetic("g", "2026-W48", 10, 1)
	lp := rep.Instances[2]
	lp.Outcome, lp.Reason = report.LivePatched, "reboot deferred: live patches apply the kernel update's fixes"
	lp.Reboot = report.Reboot{Needed: true, Deferred: true, LivePatchedCVEs: []string{"CVE-2024-26925", "CVE-2024-36971"}}
	mv := rep.Instances[5]
	mv.Release = &report.ReleaseChange{From: "2023.6.20241010", To: "2023.6.20241111"}

	byName := map[string]string{}
	for _, f := range report.Renderers {
		byName[f.Name] = render(t, f, rep)
	}
	md := byName["md"]
	require.Contains(t, md, "## Reboots deferred by live patches: 1")
	require.Contains(t, md, "| `"+lp.ID+"` |")
	require.Contains(t, md, "CVE-2024-26925, CVE-2024-36971")
	require.Contains(t, md, "| `2023.6.20241010` | `2023.6.20241111` | 1 |")

	html := byName["html"]
	require.Contains(t, html, "deferred: live-patched CVE-2024-26925, CVE-2024-36971")
	require.Contains(t, html, "release version 2023.6.20241010 → 2023.6.20241111")

	rows, err := csv.NewReader(strings.NewReader(byName["csv"])).ReadAll()
	require.NoError(t, err)
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	var sawLive, sawMove bool
	for _, r := range rows[1:] {
		switch r[col["instance_id"]] {
		case lp.ID:
			sawLive = true
			require.Equal(t, "true", r[col["reboot_deferred"]])
			require.Equal(t, "CVE-2024-26925 CVE-2024-36971", r[col["live_patched_cves"]])
			require.Equal(t, "live-patched", r[col["outcome"]])
		case mv.ID:
			sawMove = true
			require.Equal(t, "2023.6.20241010", r[col["release_from"]])
			require.Equal(t, "2023.6.20241111", r[col["release_to"]])
		default:
			require.Equal(t, "false", r[col["reboot_deferred"]])
			require.Empty(t, r[col["release_from"]])
		}
	}
	require.True(t, sawLive && sawMove)
}

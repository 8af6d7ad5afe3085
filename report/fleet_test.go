package report_test

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/report/reporttest"
)

func TestFleetRollUpMergesRetriesAndCountsPerGroupAndOS(t *testing.T) {
	dir := t.TempDir()
	base := reporttest.Synthetic("prod-auto", "2026-W48", 40, 3)
	_, err := report.WriteFiles(report.RunDir(dir, "prod-auto", "2026-W48", 0), base)
	require.NoError(t, err)
	// A retry patched every instance the cycle failed or did not attempt
	// (the synthetic report's unreachable instances were unreachable at
	// discovery, so no retry plans them).
	retry := &report.Report{Schema: report.SchemaVersion, Header: report.Header{Group: "prod-auto", Cycle: "2026-W48", Retry: 1, Status: "completed"}}
	for _, i := range base.Instances {
		if report.Retryable(i.Outcome, i.Reason) && i.Outcome != report.Unreachable {
			c := *i
			c.Outcome, c.Reason, c.Missing = report.Patched, "", nil
			retry.Instances = append(retry.Instances, &c)
		}
	}
	retry.Summarize()
	_, err = report.WriteFiles(report.RunDir(dir, "prod-auto", "2026-W48", 1), retry)
	require.NoError(t, err)

	f, err := report.LoadFleet(dir, "2026-W48", map[string]string{"prod-auto": "auto", "sens": "approval"}, time.Time{})
	require.NoError(t, err)
	require.Len(t, f.Groups, 2)
	g := f.Groups[0]
	require.Equal(t, "prod-auto", g.Group)
	require.Equal(t, 1, g.Retries)
	require.Equal(t, 40, g.Servers)
	require.Zero(t, g.Counts[report.Failed]+g.Counts[report.NotAttempted], "the retry's outcomes replace the cycle's")
	require.Equal(t, base.Header.Counts[report.Unreachable], g.Counts[report.Unreachable])
	osTotal := 0
	for _, o := range f.ByOS {
		osTotal += o.Servers
	}
	require.Equal(t, 40, osTotal)
	require.Equal(t, report.FleetGroup{Group: "sens", Mode: "approval", Status: "no-report", Approval: "pending", Counts: map[report.Outcome]int{}}, f.Groups[1])
	require.Empty(t, f.MissingSecurity, "the retry installed what was missing")
}

func TestFleetRollUpListsServersMissingSecurityPatchesAndTopCVEs(t *testing.T) {
	dir := t.TempDir()
	rep := reporttest.Synthetic("nonprod", "2026-W48", 60, 3)
	_, err := report.WriteFiles(report.RunDir(dir, "nonprod", "2026-W48", 0), rep)
	require.NoError(t, err)
	f, err := report.LoadFleet(dir, "2026-W48", nil, time.Time{})
	require.NoError(t, err)
	want := 0
	for _, i := range rep.Instances {
		if len(i.Missing) > 0 {
			want++
		}
	}
	require.Positive(t, want)
	require.Len(t, f.MissingSecurity, want)
	require.Equal(t, "CVE-2026-1000", f.TopCVEs[0].CVE)
	require.Equal(t, want, f.TopCVEs[0].Servers)
	for _, r := range report.FleetRenderers {
		require.NoError(t, r.Render(io.Discard, f), r.Name)
	}
}

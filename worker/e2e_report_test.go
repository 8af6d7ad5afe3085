package main

// End-to-end checks of the report formats: every finished cycle, halted
// ones included, gets JSON, CSV, Markdown and HTML that agree, and the
// FleetReport workflow rolls them up.

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// checkFormatsAgree checks that the four files of a run exist and say the
// same: one CSV row per instance and package, the Markdown's outcome
// counts equal the JSON's, the HTML lists every instance.
func checkFormatsAgree(t *testing.T, r workflows.CycleResult, rep report.Report) {
	t.Helper()
	for _, f := range report.Renderers {
		require.FileExists(t, filepath.Join(r.Report.Dir, f.File))
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(r.Report.Dir, name))
		require.NoError(t, err)
		return string(b)
	}
	rows, err := csv.NewReader(strings.NewReader(read("report.csv"))).ReadAll()
	require.NoError(t, err)
	want := 0
	for _, i := range rep.Instances {
		want += max(1, len(i.Packages))
	}
	require.Len(t, rows, want+1, "a header and one row per instance x package")
	md := read("report.md")
	require.Contains(t, md, "| Status | **"+rep.Header.Status+"** |")
	total := 0
	for o, n := range rep.Header.Counts {
		require.Contains(t, md, "| "+string(o)+" | "+strconv.Itoa(n)+" |")
		total += n
	}
	require.Contains(t, md, "| **total** | **"+strconv.Itoa(total)+"** |")
	page := read("report.html")
	for _, i := range rep.Instances {
		require.Contains(t, page, "<code>"+i.ID+"</code>")
	}
}

func TestE2EReportFormatsAgreeAndTheFleetReportRollsThemUp(t *testing.T) {
	s := newStack(t, 300, 2000)
	ids := s.groupIDs("prod-auto")
	before := s.inventory(ids)
	r := s.wait(s.start("prod-auto", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusCompleted, r.Status)
	rep := s.report(r)
	s.checkAgainstFleet(rep, before)
	checkFormatsAgree(t, r, rep)
	// The example policy's file destination (path "reports") resolves under
	// the report directory, with the partitioned layout.
	require.NotEmpty(t, r.Report.Published)
	require.FileExists(t, filepath.Join(s.cfg.ReportDir, "reports", "cycle=2026-W48", "group=prod-auto", "csv", "report.csv"))

	run, err := s.c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: workflows.FleetReportWorkflowID("2026-W48"), TaskQueue: workflows.TaskQueue},
		workflows.FleetReportWorkflow, workflows.FleetReportInput{Cycle: "2026-W48"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var ref activities.FleetReportRef
	require.NoError(t, run.Get(ctx, &ref))
	require.Equal(t, len(ids), ref.Servers, "only prod-auto has a report")
	require.Equal(t, len(s.pol.Groups), ref.Groups, "groups without a report are listed too")
	require.Len(t, ref.Files, 4)
	require.FileExists(t, filepath.Join(s.cfg.ReportDir, "reports", "cycle=2026-W48", "fleet", "fleet.html"))
}

func TestE2EHaltedCycleStillGetsEveryFormat(t *testing.T) {
	s := newStack(t, 200, 2000)
	g := s.pol.Groups["nonprod"]
	g.Rollout = policy.Rollout{Canary: policy.Amount{Count: 1}, MaxConcurrency: policy.Amount{Count: 1}, MaxErrors: policy.Amount{Count: 0}}
	s.failEveryInstall("nonprod")
	r := s.wait(s.start("nonprod", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusHalted, r.Status)
	rep := s.report(r)
	require.Positive(t, rep.Header.Counts[report.NotAttempted])
	checkFormatsAgree(t, r, rep)
	md, err := os.ReadFile(filepath.Join(r.Report.Dir, "report.md"))
	require.NoError(t, err)
	require.Contains(t, string(md), "injected failure")
}

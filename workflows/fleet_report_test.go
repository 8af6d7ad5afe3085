package workflows

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/report/reporttest"
)

func TestFleetReportTakesTheCycleFromTheStartTimeWhenEmpty(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartTime(sunday0100) // 2026-11-22 is in ISO week 47
	Register(env, &activities.Activities{})
	var got activities.FleetReportInput
	env.OnActivity(a.WriteFleetReport, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.FleetReportInput) (activities.FleetReportRef, error) {
			got = in
			return activities.FleetReportRef{Dir: "d", Groups: 1}, nil
		})
	env.ExecuteWorkflow(FleetReportWorkflow, FleetReportInput{})
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, "2026-W47", got.Cycle)
	var ref activities.FleetReportRef
	require.NoError(t, env.GetWorkflowResult(&ref))
	require.Equal(t, 1, ref.Groups)
}

func TestFleetReportRollsUpTheGroupsReports(t *testing.T) {
	dir := t.TempDir()
	_, err := report.WriteFiles(report.RunDir(dir, "g", "2026-W48", 0), reporttest.Synthetic("g", "2026-W48", 40, 3))
	require.NoError(t, err)
	pol := testPolicy(policy.ModeApproval, 1)
	pol.Groups["waiting"] = &policy.Group{Name: "waiting", Mode: policy.ModeApproval}
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	Register(env, &activities.Activities{ReportDir: dir, LoadPolicy: func() (*policy.Policy, error) { return pol, nil }})
	env.ExecuteWorkflow(FleetReportWorkflow, FleetReportInput{Cycle: "2026-W48"})
	require.NoError(t, env.GetWorkflowError())
	var ref activities.FleetReportRef
	require.NoError(t, env.GetWorkflowResult(&ref))
	require.Equal(t, filepath.Join(dir, "_fleet", "2026-W48"), ref.Dir)
	require.Equal(t, 2, ref.Groups, "the group with a report and the one still waiting")
	require.Equal(t, 40, ref.Servers)
	require.Len(t, ref.Files, 4)
	f, err := os.Open(filepath.Join(ref.Dir, "fleet.json"))
	require.NoError(t, err)
	defer f.Close()
	b, err := os.ReadFile(filepath.Join(ref.Dir, "fleet.md"))
	require.NoError(t, err)
	require.Contains(t, string(b), "| waiting | approval | no-report | pending |")
}

// The Friday schedule (WeeksBack 1) reports the previous week's cycle.
func TestFleetReportWeeksBackReportsThePreviousCycle(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartTime(sunday0100.AddDate(0, 0, 5)) // Friday 2026-11-27, ISO week 48
	Register(env, &activities.Activities{})
	var got activities.FleetReportInput
	env.OnActivity(a.WriteFleetReport, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.FleetReportInput) (activities.FleetReportRef, error) {
			got = in
			return activities.FleetReportRef{}, nil
		})
	env.ExecuteWorkflow(FleetReportWorkflow, FleetReportInput{WeeksBack: 1})
	require.NoError(t, env.GetWorkflowError())
	require.Equal(t, "2026-W47", got.Cycle)
}

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// deniedDiscovery is the fleet with the worker's read permission taken
// away: the cloud refuses discovery, a permanent error.
type deniedDiscovery struct{ fleet.Provider }

func (deniedDiscovery) Discover(context.Context, fleet.Selector) ([]fleet.Instance, error) {
	return nil, fmt.Errorf("AccessDeniedException: not authorized to perform ssm:DescribeInstanceInformation: %w", fleet.ErrPermanent)
}

// TestE2EApprovalAndFailureEndingsReplay records the endings the other
// corpus tests do not: an approval that expires, an approval of a subset of
// the manifest, a cycle paused and resumed, a cycle whose week's window is
// over (window-closed), a cycle that fails (the cloud refuses discovery), a
// Scan child and the artifact clean-up. With FLEETPATCH_UPDATE_HISTORIES=1 they go into
// this version's corpus.
func TestE2EApprovalAndFailureEndingsReplay(t *testing.T) {
	s := newStack(t, 120, 0)
	ctx := context.Background()
	startCycle := func(group, cycle string, in workflows.CycleInput) client.WorkflowRun {
		in.Group, in.Cycle, in.Tuning = group, cycle, tuning
		run, err := s.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.WorkflowID(group, cycle), TaskQueue: workflows.TaskQueue},
			workflows.PatchCycleWorkflow, in)
		require.NoError(t, err)
		return run
	}

	// Expired: nobody decides within the approval timeout.
	sensitive := s.pol.Groups["prod-sensitive"]
	timeout := sensitive.Approval.Timeout
	sensitive.Approval.Timeout = policy.Duration(3 * time.Second)
	expired := startCycle("prod-sensitive", "2026-W44", workflows.CycleInput{InstallNow: true})
	require.Equal(t, workflows.StatusExpired, s.wait(expired).Status)
	sensitive.Approval.Timeout = timeout

	// Approved subset: one patch of the manifest.
	subset := startCycle("prod-sensitive", "2026-W45", workflows.CycleInput{InstallNow: true})
	st := s.awaitApproval(subset.GetID())
	require.NotNil(t, st.Review)
	require.Greater(t, len(st.Review.Patches), 1, "a subset leaves something out")
	approveWhenReady(s, subset.GetID(), "ops-lead@example.com", func(a *approval.Statement) {
		a.Start, a.Patches = approval.StartNow, []string{st.Review.Patches[0].ID}
	})
	res := s.wait(subset)
	require.Equal(t, workflows.StatusCompleted, res.Status)
	require.Positive(t, res.Counts.NotApproved, "the patches left out are reported as not approved")

	// Paused during the scan, resumed: the cycle completes.
	paused := startCycle("nonprod", "2026-W45", workflows.CycleInput{InstallNow: true})
	require.NoError(t, s.c.SignalWorkflow(ctx, paused.GetID(), "", workflows.PauseSignal, workflows.ControlInput{By: "test"}))
	require.Eventually(t, func() bool { return s.status(paused.GetID()).Paused }, time.Minute, 50*time.Millisecond)
	require.NoError(t, s.c.SignalWorkflow(ctx, paused.GetID(), "", workflows.ResumeSignal, workflows.ControlInput{By: "test"}))
	require.Equal(t, workflows.StatusCompleted, s.wait(paused).Status)

	// Window-closed: the group's next install window opens ten days from
	// now, after the run's week.
	auto := s.pol.Groups["prod-auto"]
	install := auto.Windows.Install
	later := time.Now().UTC().AddDate(0, 0, 10)
	s.pol.Windows["yearly-install"] = &policy.Window{Name: "yearly-install", Cron: fmt.Sprintf("0 3 %d %d *", later.Day(), int(later.Month())),
		TimeZone: "UTC", Duration: policy.Duration(4 * time.Hour)}
	auto.Windows.Install = "yearly-install"
	closed := startCycle("prod-auto", "2026-W44", workflows.CycleInput{})
	require.Equal(t, workflows.StatusWindowClosed, s.wait(closed).Status)
	auto.Windows.Install = install

	// Failed: the cloud refuses discovery (a permanent error, not retried);
	// the run writes its report, then fails.
	s.restartWorkerWith(deniedDiscovery{s.prov})
	failedRun := startCycle("jump-log", "2026-W45", workflows.CycleInput{InstallNow: true})
	waitCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	require.ErrorContains(t, failedRun.Get(waitCtx, nil), "AccessDeniedException")
	b, err := os.ReadFile(filepath.Join(s.cfg.ReportDir, "jump-log", "2026-W45", "report.json"))
	require.NoError(t, err)
	require.Contains(t, string(b), `"status":"failed"`)
	s.restartWorkerWith(s.prov)

	clean, err := s.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.CleanArtifactsWorkflowID, TaskQueue: workflows.TaskQueue},
		workflows.CleanArtifactsWorkflow, workflows.CleanArtifactsInput{RetainDays: 14})
	require.NoError(t, err)
	var cleaned struct{ Cycles []string }
	require.NoError(t, clean.Get(waitCtx, &cleaned))
	require.Contains(t, cleaned.Cycles, "prod-sensitive/2026-W44", "weeks that ended over 14 days ago are removed")

	dir := t.TempDir()
	if os.Getenv("FLEETPATCH_UPDATE_HISTORIES") == "1" {
		dir = filepath.Join("..", "workflows", "testdata", "histories", workflows.HistoryCorpus)
	}
	var paths []string
	// The paused cycle's scan ran in a Scan child (…/scan-0), paused and
	// resumed through the cycle.
	for _, id := range []string{expired.GetID(), subset.GetID(), paused.GetID(), paused.GetID() + "/scan-0", closed.GetID(),
		failedRun.GetID(), clean.GetID()} {
		paths = append(paths, s.exportHistory(id, dir))
	}
	replay(t, paths...)
}

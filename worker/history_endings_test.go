package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// TestE2EMoreEndingsReplay adds endings to the replay corpus beside
// TestE2EHistoriesReplay's: a halted cycle, its RetryFailed, a cycle
// cancelled while it waits for its window, a ScheduledCycle and a
// FleetReport. With FLEETPATCH_UPDATE_HISTORIES=1 they go into this
// version's corpus (exportHistory refuses to rewrite a stored one).
func TestE2EMoreEndingsReplay(t *testing.T) {
	s := newStack(t, 120, 0)
	ctx := context.Background()

	s.failEveryInstall("prod-auto")
	halted := s.start("prod-auto", workflows.CycleInput{InstallNow: true})
	require.Equal(t, workflows.StatusHalted, s.wait(halted).Status)

	s.fleet.SetFaults(cloudsim.Faults{})
	retryID := workflows.RetryWorkflowID("prod-auto", "2026-W48", 1)
	retry, err := s.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: retryID, TaskQueue: workflows.TaskQueue},
		workflows.RetryFailedWorkflow, workflows.RetryInput{Group: "prod-auto", Cycle: "2026-W48", Attempt: 1, InstallNow: true, Tuning: tuning})
	require.NoError(t, err)
	waitCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	require.NoError(t, retry.Get(waitCtx, nil))

	waiting := s.start("jump-log", workflows.CycleInput{})
	require.Eventually(t, func() bool { return s.status(waiting.GetID()).Phase == workflows.PhaseWaitingWindow },
		time.Minute, 50*time.Millisecond)
	require.NoError(t, s.c.SignalWorkflow(ctx, waiting.GetID(), "", workflows.CancelSignal, workflows.ControlInput{By: "test"}))
	require.Equal(t, workflows.StatusCancelled, s.wait(waiting).Status)

	sched, err := s.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "scheduled-nonprod", TaskQueue: workflows.TaskQueue},
		workflows.ScheduledCycleWorkflow, workflows.ScheduledInput{Group: "nonprod"})
	require.NoError(t, err)
	var child string
	require.NoError(t, sched.Get(waitCtx, &child))
	require.NoError(t, s.c.CancelWorkflow(ctx, child, ""))

	report, err := s.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "fleet-report-2026-W48", TaskQueue: workflows.TaskQueue},
		workflows.FleetReportWorkflow, workflows.FleetReportInput{Cycle: "2026-W48"})
	require.NoError(t, err)
	require.NoError(t, report.Get(waitCtx, nil))

	dir := t.TempDir()
	if os.Getenv("FLEETPATCH_UPDATE_HISTORIES") == "1" {
		dir = filepath.Join("..", "workflows", "testdata", "histories", workflows.HistoryCorpus)
	}
	var paths []string
	for _, id := range []string{halted.GetID(), retryID, waiting.GetID(), sched.GetID(), report.GetID()} {
		paths = append(paths, s.exportHistory(id, dir))
	}
	replay(t, paths...)
}

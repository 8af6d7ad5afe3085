package main

// End-to-end checks of the approval promises against a real server: a
// crafted cycle installs nothing, a manifest changed after approval
// installs nothing, and a retry after the approval expired installs
// nothing without a new approval. "Installed" is read from the simulated
// fleet's own records, not from the cycle's bookkeeping.

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// The probe of issue 11: while prod-sensitive waits for its approval, an
// "auto" cycle of prod-auto whose cycle walks into prod-sensitive's
// artifacts, started under a foreign workflow ID with installNow. It fails
// at once, and nothing is installed anywhere.
func TestE2ECraftedCycleInstallsNothing(t *testing.T) {
	s := newStack(t, 200, 0)
	sensitive := s.start("prod-sensitive", workflows.CycleInput{})
	s.awaitApproval(sensitive.GetID())
	ctx := context.Background()
	for _, probe := range []struct {
		id string
		in workflows.CycleInput
	}{
		{"probe", workflows.CycleInput{Group: "prod-auto", Cycle: "2026-W48/../../prod-sensitive/2026-W48", InstallNow: true}},
		{"probe-2", workflows.CycleInput{Group: "prod-auto", Cycle: "2026-W48", InstallNow: true}},
		{"patch-cycle/prod-auto/2026-W48", workflows.CycleInput{Group: "prod-sensitive", Cycle: "2026-W48", InstallNow: true}},
	} {
		run, err := s.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: probe.id, TaskQueue: workflows.TaskQueue},
			workflows.PatchCycleWorkflow, probe.in)
		require.NoError(t, err)
		err = run.Get(ctx, nil)
		require.Error(t, err, probe.id)
		require.Contains(t, err.Error(), "BadInput", probe.id)
	}
	require.Zero(t, s.fleet.Stats().Totals.Installs, "nothing was installed")
	require.Equal(t, workflows.PhaseAwaitingApproval, s.status(sensitive.GetID()).Phase, "the sensitive cycle still waits")
}

// A manifest changed in the artifact store after the approval (while the
// approved rollout is paused) is caught by the install batch's check:
// nothing is installed, and the cycle fails with the reason in its report.
func TestE2EManifestChangedAfterApprovalInstallsNothing(t *testing.T) {
	s := newStack(t, 200, 0)
	run := s.start("prod-sensitive", workflows.CycleInput{InstallNow: true})
	id := run.GetID()
	st := s.awaitApproval(id)
	ctx := context.Background()
	require.NoError(t, s.c.SignalWorkflow(ctx, id, "", workflows.PauseSignal, workflows.ControlInput{By: "test"}))
	_, err := s.sendApproval(id, signedApproval(t, st, "ops-lead@example.com", func(st *approval.Statement) { st.Start = approval.StartNow }))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.status(id).Phase == workflows.PhaseRollout }, time.Minute, 50*time.Millisecond)

	manifests, err := filepath.Glob(filepath.Join(s.cfg.DataDir, "artifacts", "cycles", "prod-sensitive", "2026-W48", "*", "manifest.json"))
	require.NoError(t, err)
	require.Len(t, manifests, 1)
	b, err := os.ReadFile(manifests[0])
	require.NoError(t, err)
	first := st.Review.Patches[0]
	changed := strings.Replace(string(b), `"version":"`+first.ToVersion+`"`, `"version":"`+first.ToVersion+`.evil"`, 1)
	require.NotEqual(t, string(b), changed)
	require.NoError(t, os.WriteFile(manifests[0], []byte(changed), 0o644))

	require.NoError(t, s.c.SignalWorkflow(ctx, id, "", workflows.ResumeSignal, workflows.ControlInput{By: "test"}))
	err = run.Get(ctx, nil)
	require.Error(t, err)
	require.Contains(t, err.Error(), "not to the reviewed and approved digest")
	require.Zero(t, s.fleet.Stats().Totals.Installs, "nothing was installed")
	rep := s.reportOf("prod-sensitive", "2026-W48")
	require.Equal(t, string(workflows.StatusFailed), rep.Header.Status)
	require.Contains(t, rep.Header.Failure, "refusing to install")
}

// A retry after the cycle's approval expired installs nothing: it waits
// for a new signed approval of the retry, and says why.
func TestE2ERetryAfterTheApprovalExpiredIsRefused(t *testing.T) {
	s := newStack(t, 200, 0)
	run := s.start("prod-sensitive", workflows.CycleInput{InstallNow: true})
	id := run.GetID()
	st := s.awaitApproval(id)
	ctx := context.Background()
	require.NoError(t, s.c.SignalWorkflow(ctx, id, "", workflows.PauseSignal, workflows.ControlInput{By: "test"}))
	expires := time.Now().Add(4 * time.Second).UTC().Truncate(time.Second)
	_, err := s.sendApproval(id, signedApproval(t, st, "ops-lead@example.com", func(st *approval.Statement) {
		st.Start, st.Expires = approval.StartNow, expires
	}))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.status(id).Phase == workflows.PhaseRollout }, time.Minute, 50*time.Millisecond)
	require.NoError(t, s.c.SignalWorkflow(ctx, id, "", workflows.CancelSignal, workflows.ControlInput{By: "test"}))
	r := s.wait(run)
	require.Equal(t, workflows.StatusCancelled, r.Status)
	time.Sleep(time.Until(expires.Add(time.Second)))

	rid := workflows.RetryWorkflowID("prod-sensitive", "2026-W48", 1)
	retry, err := s.c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: rid, TaskQueue: workflows.TaskQueue}, workflows.RetryFailedWorkflow,
		workflows.RetryInput{Group: "prod-sensitive", Cycle: "2026-W48", Attempt: 1, InstallNow: true, Tuning: tuning})
	require.NoError(t, err)
	rst := s.awaitApproval(rid)
	require.Contains(t, rst.Sign.Why, "statement expired at "+expires.Format(time.RFC3339))
	require.Equal(t, rid, rst.Sign.Workflow)
	require.Zero(t, s.fleet.Stats().Totals.Installs, "nothing was installed")
	require.NoError(t, s.c.SignalWorkflow(ctx, rid, "", workflows.CancelSignal, workflows.ControlInput{By: "test"}))
	var rr workflows.CycleResult
	require.NoError(t, retry.Get(ctx, &rr))
	require.Equal(t, workflows.StatusCancelled, rr.Status)
	require.Zero(t, s.fleet.Stats().Totals.Installs)
}

// reportOf reads the report of a group's cycle from the report folder.
func (s *stack) reportOf(group, cycle string) report.Report {
	return s.report(workflows.CycleResult{Report: &activities.ReportRef{Dir: filepath.Join(s.cfg.ReportDir, group, cycle)}})
}

package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
)

// RetryInput starts a RetryFailed run.
type RetryInput struct {
	Group string `json:"group"`
	Cycle string `json:"cycle"`
	// Attempt is n in the workflow ID patch-cycle/<group>/<cycle>/retry-<n>.
	Attempt int    `json:"attempt"`
	Tuning  Tuning `json:"tuning,omitempty"`
}

// RetryFailed re-runs install and verify for the failed and not-attempted
// instances of a finished cycle, with the cycle's manifest and approval, in
// an install window that opens at once, and writes its own report.
func RetryFailed(ctx workflow.Context, in RetryInput) (CycleResult, error) {
	if in.Group == "" || in.Cycle == "" || in.Attempt < 1 {
		return CycleResult{}, workflowBadInput("retry needs a group, a cycle and an attempt >= 1")
	}
	s := &runState{run: activities.Run{Group: in.Group, Cycle: in.Cycle, Retry: in.Attempt}, tuning: in.Tuning.withDefaults()}
	s.status = CycleStatus{Group: in.Group, Cycle: in.Cycle, Retry: in.Attempt}
	s.control = newControl(ctx, &s.status)
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (CycleStatus, error) { return s.status, nil }); err != nil {
		return CycleResult{}, err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, PatchGroupKey.ValueSet(in.Group), PatchCycleKey.ValueSet(in.Cycle)); err != nil {
		return CycleResult{}, err
	}
	s.setPhase(ctx, PhaseEvaluate)
	var rp activities.RetryPlan
	if err := workflow.ExecuteActivity(shortCtx(ctx, s.tuning), a.PlanRetry, activities.PlanRetryInput{Run: s.run}).Get(ctx, &rp); err != nil {
		return CycleResult{}, err
	}
	rec := rp.Record
	s.snapshot, s.approved, s.all = rec.Snapshot, rec.Approved, rec.All
	s.status.Mode, s.status.PolicyDigest, s.status.Approval = rec.Mode, rec.Snapshot.Digest, rec.Approval

	status := StatusCompleted
	var err error
	if rp.Plan.Instances > 0 {
		var slot activities.Slot
		var st Status
		slot, st, err = s.openSlot(ctx, true)
		if st == "" && err == nil {
			st, err = s.waves(ctx, rp.Plan, slot)
		}
		status = st
	}
	if err != nil && !errors.Is(err, workflow.ErrCanceled) && !temporal.IsCanceledError(err) {
		return CycleResult{}, err
	}
	if ctx.Err() != nil {
		status = StatusCancelled
		ctx, _ = workflow.NewDisconnectedContext(ctx)
	}
	s.status.Status = status
	s.setPhase(ctx, PhaseReport)
	var ref activities.ReportRef
	err = workflow.ExecuteActivity(shortCtx(ctx, s.tuning), a.WriteReport, activities.ReportInput{
		Run: s.run, Mode: rec.Mode, Status: string(status), Snapshot: rec.Snapshot, ManifestDigest: rec.ManifestDigest,
		Approval: rec.Approval, Phases: s.phases, Planned: true, NotAttempted: notAttemptedReason(status),
		Approved: rec.Approved, All: rec.All,
	}).Get(ctx, &ref)
	if err != nil {
		return CycleResult{}, err
	}
	s.status.Report = &ref
	s.setPhase(ctx, PhaseDone)
	return CycleResult{Group: in.Group, Cycle: in.Cycle, Retry: in.Attempt, Status: status,
		ManifestDigest: rec.ManifestDigest, Approval: rec.Approval, Counts: s.status.Counts, Report: &ref}, nil
}

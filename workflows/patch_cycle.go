package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// cycle is the state of one PatchCycle run.
type cycle struct {
	runState
	in       CycleInput
	review   *activities.Review
	decision *report.Approval
}

// PatchCycle is the weekly cycle of one patch group: snapshot the policy,
// discover, scan, evaluate and freeze the manifest, wait for approval
// (approval groups), roll out in waves, verify, report.
func PatchCycle(ctx workflow.Context, in CycleInput) (CycleResult, error) {
	c := &cycle{}
	if err := c.setup(ctx, in); err != nil {
		return CycleResult{}, err
	}
	return c.runCycle(ctx)
}

func (c *cycle) setup(ctx workflow.Context, in CycleInput) error {
	if in.Group == "" {
		return temporal.NewNonRetryableApplicationError("cycle input has no group", activities.ErrBadInput, nil)
	}
	c.in = in
	c.tuning = in.Tuning.withDefaults()
	c.run = activities.Run{Group: in.Group, Cycle: cycleID(ctx, in)}
	c.status = CycleStatus{Group: c.run.Group, Cycle: c.run.Cycle}
	c.control = newControl(ctx, &c.status)
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (CycleStatus, error) { return c.status, nil }); err != nil {
		return err
	}
	if err := c.registerApproval(ctx); err != nil {
		return err
	}
	return workflow.UpsertTypedSearchAttributes(ctx,
		PatchGroupKey.ValueSet(c.run.Group), PatchCycleKey.ValueSet(c.run.Cycle))
}

// runCycle runs the phases and always ends with a report, whatever stopped
// the cycle.
func (c *cycle) runCycle(ctx workflow.Context) (CycleResult, error) {
	c.setPhase(ctx, PhaseSnapshot)
	if err := workflow.ExecuteActivity(shortCtx(ctx, c.tuning), a.SnapshotPolicy, c.run.Group).Get(ctx, &c.snapshot); err != nil {
		return CycleResult{}, err
	}
	c.status.Mode = c.snapshot.Group.Mode
	c.status.PolicyDigest = c.snapshot.Digest
	if c.snapshot.Group.Approval != nil {
		c.status.Approvers = c.snapshot.Group.Approval.Approvers
	}
	status, err := c.phasesUntilReport(ctx)
	switch {
	case ctx.Err() != nil:
		ctx, _ = workflow.NewDisconnectedContext(ctx)
		return c.finish(ctx, StatusCancelled)
	case err != nil && !errors.Is(err, workflow.ErrCanceled) && !temporal.IsCanceledError(err):
		// Report what was done before failing the workflow with the error.
		workflow.GetLogger(ctx).Error("cycle failed", "error", err)
		c.failure = err.Error()
		if _, rerr := c.finish(ctx, StatusFailed); rerr != nil {
			workflow.GetLogger(ctx).Error("report of the failed cycle", "error", rerr)
		}
		return CycleResult{}, err
	}
	return c.finish(ctx, status)
}

// phasesUntilReport runs discover .. rollout and returns the final status.
func (c *cycle) phasesUntilReport(ctx workflow.Context) (Status, error) {
	c.setPhase(ctx, PhaseDiscover)
	var disc activities.DiscoverResult
	err := workflow.ExecuteActivity(shortCtx(ctx, c.tuning), a.Discover,
		activities.DiscoverInput{Run: c.run, Selector: c.snapshot.Group.Selector, Baselines: c.snapshot.Baselines}).Get(ctx, &disc)
	if err != nil {
		return "", err
	}
	c.status.Counts.Discovered, c.status.Counts.Unreachable = disc.Total, disc.Unreachable

	c.setPhase(ctx, PhaseScan)
	if err := c.scan(ctx, disc.Batches); err != nil {
		return "", err
	}
	if c.control.cancelled {
		return StatusCancelled, nil
	}

	c.setPhase(ctx, PhaseEvaluate)
	var rev activities.Review
	err = workflow.ExecuteActivity(shortCtx(ctx, c.tuning), a.BuildManifest, activities.BuildManifestInput{
		Run: c.run, Batches: disc.Batches, Snapshot: c.snapshot, At: workflow.Now(ctx)}).Get(ctx, &rev)
	if err != nil {
		return "", err
	}
	c.review = &rev
	c.status.Review = &rev
	c.status.Counts.NeedPatches, c.status.Counts.Compliant = rev.Instances, rev.Compliant

	mode := c.snapshot.Group.Mode
	if mode == policy.ModeScanOnly || rev.Instances == 0 {
		return StatusCompleted, nil
	}
	startNow := c.in.InstallNow
	if mode == policy.ModeApproval {
		if st, err := c.awaitApproval(ctx); st != "" || err != nil {
			return st, err
		}
		startNow = startNow || c.snapshot.Group.Approval.InstallStart == policy.StartImmediately
	} else {
		c.all = true
	}
	slot, st, err := c.openSlot(ctx, startNow)
	if st != "" || err != nil {
		return st, err
	}
	var plan activities.Plan
	err = workflow.ExecuteActivity(shortCtx(ctx, c.tuning), a.PlanRollout, activities.PlanInput{
		Run: c.run, Approved: c.approved, All: c.all, Rollout: c.snapshot.Group.Rollout}).Get(ctx, &plan)
	if err != nil {
		return "", err
	}
	return c.waves(ctx, plan, slot)
}

// scan runs the scan batches with bounded parallelism; a cancel stops
// starting new ones.
func (c *cycle) scan(ctx workflow.Context, batches int) error {
	actx := batchCtx(ctx, c.tuning)
	running := 0
	var firstErr error
	for b := 0; b < batches; b++ {
		if err := workflow.Await(ctx, func() bool { return running < c.tuning.ScanParallelism || c.control.cancelled }); err != nil {
			return err
		}
		if c.control.cancelled || firstErr != nil {
			break
		}
		running++
		batch := b
		workflow.Go(ctx, func(gctx workflow.Context) {
			defer func() { running-- }()
			var r activities.ScanBatchResult
			in := activities.ScanBatchInput{Run: c.run, Batch: batch}
			if err := workflow.ExecuteActivity(actx, a.ScanBatch, in).Get(gctx, &r); err != nil {
				// Record the batch's instances as scan failures and go on:
				// one unreachable account must not stop the whole group.
				workflow.GetLogger(gctx).Error("scan batch failed; recording it as failed scans", "batch", batch, "error", err)
				in.FailedWith = err.Error()
				if err := workflow.ExecuteActivity(shortCtx(gctx, c.tuning), a.ScanBatch, in).Get(gctx, &r); err != nil {
					if firstErr == nil {
						firstErr = err
					}
					return
				}
			}
			c.status.Counts.Scanned += r.Scanned
			c.status.Counts.ScanFailed += r.Failed
		})
	}
	if err := workflow.Await(ctx, func() bool { return running == 0 }); err != nil {
		return err
	}
	return firstErr
}

// finish writes the report and returns the result.
func (c *cycle) finish(ctx workflow.Context, status Status) (CycleResult, error) {
	c.status.Status = status
	c.status.Failure = c.failure
	c.setPhase(ctx, PhaseReport)
	in := activities.ReportInput{Failure: c.failure,
		Run: c.run, Mode: c.snapshot.Group.Mode, Status: string(status), Snapshot: c.snapshot,
		Approval: c.decision, Phases: c.phases, Approved: c.approved, All: c.all,
		Planned: c.status.Counts.Planned > 0, NotAttempted: notAttemptedReason(status), NotApproved: notApprovedReason(status),
	}
	if c.review != nil {
		in.ManifestDigest = c.review.Digest
	}
	var ref activities.ReportRef
	if err := workflow.ExecuteActivity(shortCtx(ctx, c.tuning), a.WriteReport, in).Get(ctx, &ref); err != nil {
		return CycleResult{}, err
	}
	c.status.Report = &ref
	c.setPhase(ctx, PhaseDone)
	return CycleResult{Group: c.run.Group, Cycle: c.run.Cycle, Status: status, ManifestDigest: in.ManifestDigest,
		Approval: c.decision, Counts: c.status.Counts, Report: &ref}, nil
}

func notAttemptedReason(s Status) string {
	switch s {
	case StatusHalted:
		return report.ReasonHalted
	case StatusWindowClosed:
		return report.ReasonWindowClosed
	case StatusCancelled:
		return report.ReasonCancelled
	case StatusFailed:
		return report.ReasonCycleFailed
	}
	return ""
}

func notApprovedReason(s Status) string {
	switch s {
	case StatusRejected:
		return report.ReasonRejected
	case StatusExpired:
		return report.ReasonExpired
	case StatusCancelled:
		return report.ReasonCancelled
	case StatusFailed:
		return report.ReasonCycleFailed
	}
	return report.ReasonNotApproved
}

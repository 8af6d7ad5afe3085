package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/notify"
	"github.com/fleetpatch/fleetpatch/policy"
)

// cycle is the state of one PatchCycle run.
type cycle struct {
	runState
	in     CycleInput
	review *activities.Review
}

// PatchCycle is the weekly cycle of one patch group: snapshot the policy,
// discover, scan, evaluate and freeze the manifest, wait for a signed
// approval (approval groups), roll out in waves, verify, report.
func PatchCycle(ctx workflow.Context, in CycleInput) (CycleResult, error) {
	c := &cycle{}
	if err := c.setup(ctx, in); err != nil {
		return CycleResult{}, err
	}
	return c.runCycle(ctx)
}

func (c *cycle) setup(ctx workflow.Context, in CycleInput) error {
	c.in = in
	c.run = activities.Run{Group: in.Group, Cycle: cycleID(ctx, in), ID: firstRunID(ctx)}
	if err := validateRun(ctx, c.run, in.Tuning); err != nil {
		return err
	}
	c.gate.legacy = workflow.GetVersion(ctx, changeRelease2, workflow.DefaultVersion, 1) == workflow.DefaultVersion
	c.tuning = in.Tuning.withDefaults()
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
	if !c.gate.legacy && c.in.InstallNow && c.snapshot.Group.Mode != policy.ModeScanOnly && !c.snapshot.Group.OnDemand {
		return CycleResult{}, workflowBadInput("group %s does not allow installing outside its install window (installNow): set onDemand: true in its policy, or let the cycle wait for the window", c.run.Group)
	}
	status, err := c.phasesUntilReport(ctx)
	return settle(ctx, status, err, &c.failure, c.finish)
}

// phasesUntilReport runs discover .. rollout and returns the final status.
func (c *cycle) phasesUntilReport(ctx workflow.Context) (Status, error) {
	c.setPhase(ctx, PhaseDiscover)
	var disc activities.DiscoverResult
	err := workflow.ExecuteActivity(bulkCtx(ctx, c.tuning), a.Discover,
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
	err = workflow.ExecuteActivity(bulkCtx(ctx, c.tuning), a.BuildManifest, activities.BuildManifestInput{
		Run: c.run, Batches: disc.Batches, Snapshot: c.snapshot, At: workflow.Now(ctx)}).Get(ctx, &rev)
	if err != nil {
		return "", err
	}
	c.review, c.digest = &rev, rev.Digest
	c.status.Review = &rev
	c.status.Counts.NeedPatches, c.status.Counts.Compliant = rev.Instances, rev.Compliant

	g := c.snapshot.Group
	if g.Mode == policy.ModeScanOnly || rev.Instances == 0 {
		return StatusCompleted, nil
	}
	if workflow.GetVersion(ctx, changePreflight, workflow.DefaultVersion, 1) == 1 {
		var pf activities.PreflightSummary
		if err := workflow.ExecuteActivity(bulkCtx(ctx, c.tuning), a.Preflight, activities.PreflightInput{Run: c.run, Batches: disc.Batches}).Get(ctx, &pf); err != nil {
			return "", err
		}
		c.status.Preflight = &pf
	}
	c.ticket(ctx, activities.ChangeTicketInput{Step: activities.TicketReview, ReviewKey: rev.Key,
		Review: activities.ChangeTicketReview{Patches: len(rev.Patches), Instances: rev.Instances, Digest: rev.Digest}})
	startNow := c.in.InstallNow
	if g.Mode == policy.ModeApproval {
		immediately := g.Approval != nil && g.Approval.InstallStart == policy.StartImmediately
		proposed := approval.StartWindow
		if immediately || startNow {
			proposed = approval.StartNow
		}
		ids := make([]string, len(rev.Patches))
		for i, p := range rev.Patches {
			ids[i] = p.ID
		}
		if err := c.openGate(ctx, rev.Digest, ids, immediately || g.OnDemand,
			SignRequest{Workflow: c.run.WorkflowID(), Start: proposed}); err != nil {
			return "", err
		}
		c.notify(ctx, c.reviewReadyEvent(&rev, workflow.Now(ctx).Add(g.Approval.Timeout.D())))
		if st, err := c.awaitApproval(ctx); st != "" || err != nil {
			return st, err
		}
		c.notify(ctx, notify.Event{Kind: notify.Approved, Decision: c.decisionOf()})
		c.ticket(ctx, activities.ChangeTicketInput{Step: activities.TicketApproved})
		if c.gate.legacy {
			startNow = startNow || immediately
		} else {
			startNow = c.gate.decision.Start == string(approval.StartNow)
		}
	} else {
		c.all = true
		c.ticket(ctx, activities.ChangeTicketInput{Step: activities.TicketApproved})
	}
	return c.install(ctx, startNow, func(ctx workflow.Context) (activities.Plan, error) {
		var plan activities.Plan
		err := workflow.ExecuteActivity(bulkCtx(ctx, c.tuning), a.PlanRollout, activities.PlanInput{
			Run: c.run, Approved: c.approvedSet(), Rollout: g.Rollout}).Get(ctx, &plan)
		return plan, err
	})
}

// scan runs the scan batches: in Scan children of scanChildBatches
// batches each, so that the cycle's own history stays small at 50,000
// servers (runs recorded before changeScanChildren scanned here). A cancel
// stops starting new ones; pause holds them.
func (c *cycle) scan(ctx workflow.Context, batches int) error {
	add := func(r activities.ScanBatchResult) {
		c.status.Counts.Scanned += r.Scanned
		c.status.Counts.ScanFailed += r.Failed
	}
	if workflow.GetVersion(ctx, changeScanChildren, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return scanRange(ctx, c.run, c.tuning, 0, batches, c.control, !c.gate.legacy, add)
	}
	parent := workflow.GetInfo(ctx).WorkflowExecution.ID
	var futs []workflow.ChildWorkflowFuture
	for first := 0; first < batches && !c.control.cancelled; first += scanChildBatches {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: scanID(parent, len(futs))})
		futs = append(futs, workflow.ExecuteChildWorkflow(cctx, Scan, ScanInput{Run: c.run, First: first,
			Count: min(scanChildBatches, batches-first), Paused: c.control.paused, Tuning: c.tuning}))
	}
	c.control.children = futs
	defer func() { c.control.children = nil }()
	var firstErr error
	for _, f := range futs {
		var r activities.ScanBatchResult
		if err := f.Get(ctx, &r); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		add(r)
	}
	return firstErr
}

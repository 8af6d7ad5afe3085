package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/policy"
)

// RetryInput starts a RetryFailed run.
type RetryInput struct {
	Group string `json:"group"`
	Cycle string `json:"cycle"`
	// Attempt is n in the workflow ID patch-cycle/<group>/<cycle>/retry-<n>.
	Attempt int `json:"attempt"`
	// InstallNow installs at once instead of in the group's next install
	// window; the group must allow it (onDemand), and an approval group's
	// approval must say "start: now".
	InstallNow bool   `json:"installNow,omitempty"`
	Tuning     Tuning `json:"tuning,omitempty"`
}

// retry is the state of one RetryFailed run.
type retry struct {
	runState
	in  RetryInput
	rec activities.ReportInput
	// patches are the cycle manifest's patch IDs.
	patches []string
}

// RetryFailed re-runs install and verify for the failed and not-attempted
// instances of the newest finished run of a cycle, with its manifest,
// under the group's current policy: in the group's install window (or at
// once where the policy and, for approval groups, a signed approval say
// so), and for approval groups only under an approval that still holds:
// the cycle's own, or a new signed approval of this retry. It writes its
// own report.
func RetryFailed(ctx workflow.Context, in RetryInput) (CycleResult, error) {
	r := &retry{in: in}
	r.run = activities.Run{Group: in.Group, Cycle: in.Cycle, ID: firstRunID(ctx), Retry: in.Attempt}
	if in.Attempt < 1 {
		return CycleResult{}, workflowBadInput("retry attempt %d must be 1 or more", in.Attempt)
	}
	if err := validateRun(ctx, r.run, in.Tuning); err != nil {
		return CycleResult{}, err
	}
	r.gate.legacy = workflow.GetVersion(ctx, changeRelease2, workflow.DefaultVersion, 1) == workflow.DefaultVersion
	r.tuning = in.Tuning.withDefaults()
	r.status = CycleStatus{Group: in.Group, Cycle: in.Cycle, Retry: in.Attempt}
	r.control = newControl(ctx, &r.status)
	if err := workflow.SetQueryHandler(ctx, StatusQuery, func() (CycleStatus, error) { return r.status, nil }); err != nil {
		return CycleResult{}, err
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, PatchGroupKey.ValueSet(in.Group), PatchCycleKey.ValueSet(in.Cycle)); err != nil {
		return CycleResult{}, err
	}
	if r.gate.legacy {
		return legacyRetry(ctx, &r.runState)
	}
	if err := r.registerApproval(ctx); err != nil {
		return CycleResult{}, err
	}
	status, err := r.phases(ctx)
	if ctx.Err() == nil && failed(err) && r.rec.Run.ID == "" {
		// Nothing to report on: the retry could not even find its cycle.
		return CycleResult{}, err
	}
	return settle(ctx, status, err, &r.failure, r.finish)
}

// phases finds the cycle, snapshots the policy, settles the approval,
// plans and rolls out; it returns the final status.
func (r *retry) phases(ctx workflow.Context) (Status, error) {
	r.setPhase(ctx, PhaseEvaluate)
	var rr activities.RetryRecord
	err := workflow.ExecuteActivity(shortCtx(ctx, r.tuning), a.PrepareRetry, activities.PrepareRetryInput{
		Group: r.in.Group, Cycle: r.in.Cycle, Retry: r.in.Attempt, Owner: r.run.ID}).Get(ctx, &rr)
	if err != nil {
		return "", err
	}
	r.run, r.rec, r.patches = rr.Run, rr.Record, rr.Patches
	r.digest = r.rec.ManifestDigest
	if err := workflow.ExecuteActivity(shortCtx(ctx, r.tuning), a.SnapshotPolicy, r.run.Group).Get(ctx, &r.snapshot); err != nil {
		return "", err
	}
	g := r.snapshot.Group
	r.status.Mode, r.status.PolicyDigest = g.Mode, r.snapshot.Digest
	if r.digest == "" {
		return StatusCompleted, nil // the cycle stopped before its manifest: nothing to retry
	}
	startNow := r.in.InstallNow
	switch g.Mode {
	case policy.ModeScanOnly:
		return "", workflowBadInput("group %s is scan-only now: nothing to retry", r.run.Group)
	case policy.ModeAuto:
		if startNow && !g.OnDemand {
			return "", workflowBadInput("group %s does not allow installing outside its install window (installNow): set onDemand: true in its policy", r.run.Group)
		}
		r.all, r.approved = r.rec.All, r.rec.Approved
	case policy.ModeApproval:
		st, err := r.settleApproval(ctx)
		if st != "" || err != nil {
			return st, err
		}
		startNow = r.gate.decision.Start == string(approval.StartNow)
	}
	return r.install(ctx, startNow, func(ctx workflow.Context) (activities.Plan, error) {
		var plan activities.Plan
		err := workflow.ExecuteActivity(bulkCtx(ctx, r.tuning), a.PlanRetry, activities.PlanRetryInput{
			Run: r.run, Approved: r.approvedSet(), Rollout: g.Rollout}).Get(ctx, &plan)
		return plan, err
	})
}

// settleApproval takes the cycle's approval if it still holds (verified
// again with the current keys, not expired), and otherwise waits for a new
// signed approval that names this retry.
func (r *retry) settleApproval(ctx workflow.Context) (Status, error) {
	g := r.snapshot.Group
	immediately := g.Approval != nil && g.Approval.InstallStart == policy.StartImmediately
	proposed := approval.StartWindow
	if r.in.InstallNow {
		proposed = approval.StartNow
	}
	if err := r.openGate(ctx, r.digest, r.patches, immediately || g.OnDemand,
		SignRequest{Workflow: r.run.WorkflowID(), Start: proposed}); err != nil {
		return "", err
	}
	why := r.cycleApprovalHolds(ctx)
	if why == "" {
		r.gate.decision = r.rec.Approval
		r.all, r.approved = r.rec.Approval.Patches == nil, r.rec.Approval.Patches
		r.status.Approval = r.gate.decision
		return "", nil
	}
	r.status.Sign.Why = why + "; sign a new approval for " + r.run.WorkflowID()
	return r.awaitApproval(ctx)
}

// cycleApprovalHolds says why the cycle's recorded approval cannot be
// used by this retry, or "" when it can: a quorum of statements for the
// cycle, verified with the current keys, none expired.
func (r *retry) cycleApprovalHolds(ctx workflow.Context) string {
	rec := r.rec.Approval
	if rec == nil || rec.Decision != "approved" {
		return "the cycle was not approved"
	}
	now := workflow.Now(ctx)
	e := r.gate.expect
	e.Workflows, e.Now, e.StartNow = []string{r.run.Base().WorkflowID()}, now, true
	q := approval.Quorum{Required: r.gate.quorum.Required}
	for _, s := range rec.Signatures {
		v, err := approval.Verify(approval.Signed{Statement: s.Statement, Signature: s.Signature}, r.gate.signers, now)
		if err == nil {
			err = e.Check(v.Statement)
		}
		if err == nil {
			err = q.Admit(v)
		}
		if err != nil {
			return fmt.Sprintf("the cycle's approval by %s no longer holds: %v", s.Principal, err)
		}
		q.Approvals = append(q.Approvals, v)
	}
	if !q.Complete() {
		return fmt.Sprintf("the cycle's approval has %d of the %d signatures the group needs now", len(q.Approvals), max(1, q.Required))
	}
	if exp := q.Expires(); !exp.After(now) {
		return "the cycle's approval expired at " + exp.Format(time.RFC3339)
	}
	return ""
}

// legacyRetry is RetryFailed as it ran before signed approvals, kept so
// that its histories replay; its installs fail the activities' checks.
func legacyRetry(ctx workflow.Context, s *runState) (CycleResult, error) {
	s.setPhase(ctx, PhaseEvaluate)
	var rp struct {
		Plan   activities.Plan        `json:"plan"`
		Record activities.ReportInput `json:"record"`
	}
	if err := workflow.ExecuteActivity(shortCtx(ctx, s.tuning), "PlanRetry", struct {
		Run activities.Run `json:"run"`
	}{s.run}).Get(ctx, &rp); err != nil {
		return CycleResult{}, err
	}
	rec := rp.Record
	s.snapshot, s.approved, s.all, s.digest, s.gate.decision = rec.Snapshot, rec.Approved, rec.All, rec.ManifestDigest, rec.Approval
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
	return s.finish(ctx, status)
}

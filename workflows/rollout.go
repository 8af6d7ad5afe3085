package workflows

import (
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
)

// openSlot finds the install slot and waits for it to open. It returns a
// final status if the run was cancelled while waiting.
func (s *runState) openSlot(ctx workflow.Context, startNow bool) (activities.Slot, Status, error) {
	var slot activities.Slot
	if s.snapshot.InstallWindow == nil {
		return slot, "", workflowBadInput("group %s has no install window", s.run.Group)
	}
	err := workflow.ExecuteActivity(shortCtx(ctx, s.tuning), a.InstallSlot, activities.SlotInput{
		Window: *s.snapshot.InstallWindow, After: workflow.Now(ctx), Now: startNow}).Get(ctx, &slot)
	if err != nil {
		return slot, "", err
	}
	s.status.Slot = &slot
	if slot.Start.After(workflow.Now(ctx)) {
		s.setPhase(ctx, PhaseWaitingWindow)
		d := slot.Start.Sub(workflow.Now(ctx))
		if _, err := workflow.AwaitWithTimeout(ctx, d, func() bool { return s.control.cancelled }); err != nil {
			return slot, "", err
		}
		if s.control.cancelled {
			return slot, StatusCancelled, nil
		}
	}
	return slot, "", nil
}

// approvalExpired reports whether the run's approval has expired: no new
// install may start under it.
func (s *runState) approvalExpired(ctx workflow.Context) bool {
	d := s.gate.decision
	return d != nil && !d.Expires.IsZero() && !workflow.Now(ctx).Before(d.Expires)
}

// waves runs the plan's waves one after the other as child workflows and
// returns the final status: completed, halted (failures above maxErrors),
// window-closed (the cutoff passed), expired (the approval did), or
// cancelled. A failed check before an install fails the run with its
// message.
func (s *runState) waves(ctx workflow.Context, plan activities.Plan, slot activities.Slot) (Status, error) {
	s.setPhase(ctx, PhaseRollout)
	s.status.Counts.Planned = plan.Instances
	s.status.Counts.NotApproved = plan.NotApproved
	s.status.Wave.Total = len(plan.Waves)
	failed := 0
	for _, w := range plan.Waves {
		ok, err := s.control.mayStart(ctx)
		if err != nil {
			return "", err
		}
		if !ok {
			return StatusCancelled, nil
		}
		if workflow.Now(ctx).After(slot.LastStart) {
			return StatusWindowClosed, nil
		}
		s.status.Wave.Current = w.Index + 1
		workflow.SetCurrentDetails(ctx, details(s.status))
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: waveID(workflow.GetInfo(ctx).WorkflowExecution.ID, w.Index),
			// On cancellation, wait for the wave to settle its started
			// batches and return what they did.
			WaitForCancellation: true,
		})
		in := WaveInput{Run: s.run, Wave: w, Reboot: s.snapshot.Group.Reboot, Deadline: slot.End, LastStart: slot.LastStart,
			ErrorBudget: plan.MaxErrors - failed, Digest: s.digest, Tuning: s.tuning}
		if s.gate.decision != nil {
			in.ApprovalExpires = s.gate.decision.Expires
		}
		fut := workflow.ExecuteChildWorkflow(cctx, Wave, in)
		s.control.child = fut
		var res WaveResult
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		err = fut.Get(dctx, &res)
		s.control.child = nil
		if err != nil {
			return "", err
		}
		s.status.Counts.Patched += res.Outcome.Patched
		s.status.Counts.PendingReboot += res.Outcome.PendingReboot
		s.status.Counts.Failed += res.Outcome.Failed
		failed += res.Outcome.Failed
		workflow.SetCurrentDetails(ctx, details(s.status))
		if res.StoppedBy == StatusFailed {
			return "", temporal.NewNonRetryableApplicationError(res.Failure, activities.ErrIntegrity, nil)
		}
		if res.StoppedBy != "" {
			return res.StoppedBy, nil
		}
		if failed > plan.MaxErrors {
			return StatusHalted, nil
		}
	}
	return StatusCompleted, nil
}

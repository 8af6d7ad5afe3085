package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/policy"
)

// install runs the install phase: wait for the install slot (not past the
// cycle's week), check the approval still holds, take the group's rollout
// lock, plan (plan returns the rollout plan) and run the waves. It returns
// the final status.
func (s *runState) install(ctx workflow.Context, startNow bool, plan func(workflow.Context) (activities.Plan, error)) (Status, error) {
	slot, st, err := s.openSlot(ctx, startNow)
	if st != "" || err != nil {
		return st, err
	}
	if s.approvalExpired(ctx) {
		s.reason = "the approval expired at " + s.gate.decision.Expires.UTC().Format(time.RFC3339) + " before the install started"
		return StatusExpired, nil
	}
	if !s.gate.legacy {
		if st, err := s.lockRollout(ctx, slot); st != "" || err != nil {
			return st, err
		}
	}
	p, err := plan(ctx)
	if err != nil {
		return "", err
	}
	if p.Instances == 0 && !s.gate.legacy {
		return StatusCompleted, nil
	}
	return s.waves(ctx, p, slot)
}

// openSlot finds the install slot and waits for it to open. A slot that
// opens after the run's week ends the run window-closed (runs recorded
// before release 2 did not check). It returns a final status if the run
// was cancelled while waiting.
func (s *runState) openSlot(ctx workflow.Context, startNow bool) (activities.Slot, Status, error) {
	var slot activities.Slot
	if s.snapshot.InstallWindow == nil {
		return slot, "", workflowBadInput("group %s has no install window", s.run.Group)
	}
	err := workflow.ExecuteActivity(shortCtx(ctx, s.tuning), a.InstallSlot, activities.SlotInput{
		Window: *s.snapshot.InstallWindow, After: workflow.Now(ctx), Now: startNow, Freezes: s.snapshot.Freezes}).Get(ctx, &slot)
	if err != nil {
		return slot, "", err
	}
	if !s.gate.legacy {
		// A cycle installs only within its week: the next cycle of the group
		// takes over after it.
		weekEnd := startTime(ctx).Add(policy.Week)
		if !slot.Start.Before(weekEnd) && slot.Freeze != "" {
			s.reason = fmt.Sprintf("%s: the group's next install slot outside it opens at %s, after this run's week (it ends at %s); the next cycle takes over",
				slot.Freeze, slot.Start.UTC().Format(time.RFC3339), weekEnd.UTC().Format(time.RFC3339))
			return slot, StatusWindowClosed, nil
		}
		if !slot.Start.Before(weekEnd) {
			s.reason = fmt.Sprintf("the group's next install window opens at %s, after this run's week (it ends at %s); the next cycle takes over",
				slot.Start.UTC().Format(time.RFC3339), weekEnd.UTC().Format(time.RFC3339))
			return slot, StatusWindowClosed, nil
		}
		if slot.LastStart.After(weekEnd) {
			slot.LastStart = weekEnd
		}
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

// lockRollout takes the group's rollout lock, asking again every
// Tuning.LockRetry while another run of the group installs, until the
// slot's cutoff.
func (s *runState) lockRollout(ctx workflow.Context, slot activities.Slot) (Status, error) {
	in := activities.RolloutLockInput{Run: s.run, Until: slot.End.Add(time.Hour)}
	for {
		var l activities.RolloutLock
		if err := workflow.ExecuteActivity(shortCtx(ctx, s.tuning), a.AcquireRolloutLock, in).Get(ctx, &l); err != nil {
			return "", err
		}
		if l.Acquired {
			s.locked = true
			s.status.Waiting = ""
			return "", nil
		}
		s.status.Waiting = "another run of the group is installing: " + l.Holder
		workflow.SetCurrentDetails(ctx, details(s.status))
		left := slot.LastStart.Sub(workflow.Now(ctx))
		if left <= 0 {
			s.reason = "the window's cutoff passed while " + l.Holder + " was still installing"
			return StatusWindowClosed, nil
		}
		if _, err := workflow.AwaitWithTimeout(ctx, min(s.tuning.LockRetry, left), func() bool { return s.control.cancelled }); err != nil {
			return "", err
		}
		if s.control.cancelled {
			return StatusCancelled, nil
		}
	}
}

// approvalExpired reports whether the run's approval has expired: no new
// install may start under it.
func (s *runState) approvalExpired(ctx workflow.Context) bool {
	d := s.gate.decision
	return d != nil && !d.Expires.IsZero() && !workflow.Now(ctx).Before(d.Expires)
}

// waves runs the plan's waves one after the other as child workflows and
// returns the final status: completed, halted (failures above maxErrors,
// a failed canary, a failed health gate), window-closed (the cutoff
// passed), expired (the approval did), or cancelled. After each wave it
// bakes and runs the health gates. A failed check before an install fails
// the run with its message.
func (s *runState) waves(ctx workflow.Context, plan activities.Plan, slot activities.Slot) (Status, error) {
	s.setPhase(ctx, PhaseRollout)
	s.status.Counts.Planned = plan.Instances
	s.status.Counts.NotApproved = plan.NotApproved
	s.status.Wave.Total = len(plan.Waves)
	ro := s.snapshot.Group.Rollout
	failed := 0
	for i, w := range plan.Waves {
		ok, err := s.control.mayStart(ctx)
		if err != nil {
			return "", err
		}
		if !ok {
			return StatusCancelled, nil
		}
		if workflow.Now(ctx).After(slot.LastStart) {
			s.reason = cutoffReason(slot)
			return StatusWindowClosed, nil
		}
		res, err := s.runWave(ctx, plan, w, slot, failed)
		if err != nil {
			return "", err
		}
		failed += res.Outcome.Failed
		switch {
		case res.StoppedBy == StatusFailed:
			return "", temporal.NewNonRetryableApplicationError(res.Failure, activities.ErrIntegrity, nil)
		case res.Halt != "":
			s.reason = res.Halt
			return StatusHalted, nil
		case res.StoppedBy == StatusWindowClosed:
			s.reason = cutoffReason(slot)
			return res.StoppedBy, nil
		case failed > plan.MaxErrors:
			s.reason = fmt.Sprintf("%d instances failed, more than maxErrors %d", failed, plan.MaxErrors)
			return StatusHalted, nil
		case res.StoppedBy == StatusExpired:
			s.reason = "the approval expired at " + s.gate.decision.Expires.UTC().Format(time.RFC3339)
			return res.StoppedBy, nil
		case res.StoppedBy != "":
			return res.StoppedBy, nil
		case !s.gate.legacy && i == 0 && len(plan.Waves) > 1 && res.Outcome.Failed > 0:
			s.reason = fmt.Sprintf("the canary failed on %d of %d instances", res.Outcome.Failed, w.Instances)
			return StatusHalted, nil
		}
		if st, err := s.bakeAndCheck(ctx, w, i == len(plan.Waves)-1, ro); st != "" || err != nil {
			return st, err
		}
	}
	return StatusCompleted, nil
}

// runWave runs one wave as a child workflow, forwarding control signals,
// and adds its counts to the status.
func (s *runState) runWave(ctx workflow.Context, plan activities.Plan, w activities.WavePlan, slot activities.Slot, failed int) (WaveResult, error) {
	s.status.Wave.Current = w.Index + 1
	workflow.SetCurrentDetails(ctx, details(s.status))
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: waveID(workflow.GetInfo(ctx).WorkflowExecution.ID, w.Index),
		// On cancellation, wait for the wave to settle its started batches
		// and return what they did.
		WaitForCancellation: true,
	})
	in := WaveInput{Run: s.run, Wave: w, Reboot: s.snapshot.Group.Reboot, DeferLivePatchedReboots: s.snapshot.Group.DefersLivePatchedReboots(),
		Deadline: slot.End, LastStart: slot.LastStart,
		ErrorBudget: plan.MaxErrors - failed, Digest: s.digest, Tuning: s.tuning, Hooks: s.snapshot.Group.Hooks}
	if sp := s.snapshot.Group.Snapshot; sp != nil {
		in.SnapshotRetain = sp.Retain.D()
	}
	if s.gate.decision != nil {
		in.ApprovalExpires = s.gate.decision.Expires
	}
	fut := workflow.ExecuteChildWorkflow(cctx, Wave, in)
	s.control.children = []workflow.ChildWorkflowFuture{fut}
	var res WaveResult
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	err := fut.Get(dctx, &res)
	s.control.children = nil
	if err != nil {
		return res, err
	}
	s.status.Counts.Patched += res.Outcome.Patched
	s.status.Counts.PendingReboot += res.Outcome.PendingReboot
	s.status.Counts.LivePatched += res.Outcome.LivePatched
	s.status.Counts.Failed += res.Outcome.Failed
	s.status.Counts.Unreachable += res.Outcome.Unreachable
	workflow.SetCurrentDetails(ctx, details(s.status))
	return res, nil
}

// bakeAndCheck waits the rollout's bake time after a wave (not after the
// last unless gates follow) and runs its health gates; a failing gate
// halts the run with the gate's reason.
func (s *runState) bakeAndCheck(ctx workflow.Context, w activities.WavePlan, last bool, ro policy.Rollout) (Status, error) {
	gates := len(ro.HealthGates) > 0
	if bake := ro.Bake.D(); bake > 0 && (gates || !last) {
		s.status.Waiting = fmt.Sprintf("baking %s after wave %d", bake, w.Index+1)
		workflow.SetCurrentDetails(ctx, details(s.status))
		if _, err := workflow.AwaitWithTimeout(ctx, bake, func() bool { return s.control.cancelled }); err != nil {
			return "", err
		}
		s.status.Waiting = ""
		if s.control.cancelled {
			return StatusCancelled, nil
		}
	}
	if !gates {
		return "", nil
	}
	var h activities.HealthResult
	err := workflow.ExecuteActivity(healthCtx(ctx, s.tuning), a.CheckHealth, activities.HealthInput{Run: s.run, Wave: w, Gates: ro.HealthGates}).Get(ctx, &h)
	if err != nil {
		return "", err
	}
	if !h.Passed {
		s.reason = h.Reason
		return StatusHalted, nil
	}
	return "", nil
}

// cutoffReason says why no more installs start: the slot's cutoff passed,
// and, when a change freeze shortened the slot, which.
func cutoffReason(slot activities.Slot) string {
	r := "the window's cutoff passed at " + slot.LastStart.UTC().Format(time.RFC3339)
	if slot.Freeze != "" {
		r += " (" + slot.Freeze + ")"
	}
	return r
}

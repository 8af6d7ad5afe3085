package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// runState is what PatchCycle and RetryFailed share: the run, its status
// as the query shows it, the control signals, the approval gate and the
// phase timings.
type runState struct {
	run      activities.Run
	tuning   Tuning
	status   CycleStatus
	control  *control
	gate     gate
	snapshot policy.Snapshot
	// digest is the manifest digest the run reviewed (or retries).
	digest   string
	approved []string
	all      bool
	phases   []report.PhaseTiming
	// failure is the error that stopped a failed run.
	failure string
	// reason says why the run stopped where it did (halted, window-closed,
	// expired), for the status and the report.
	reason string
	// locked: the run holds its group's rollout lock.
	locked bool
	// notes are the notifications sent and not yet waited for.
	notes []workflow.Future
	// tickets queues the change request's steps; ticketSteps counts those
	// not done; ticketOpened says the review step was queued.
	tickets      workflow.Channel
	ticketSteps  int
	ticketOpened bool
}

// setPhase records the phase for the query, the search attribute, the
// Web UI's details and the report's timings.
func (s *runState) setPhase(ctx workflow.Context, p Phase) {
	now := workflow.Now(ctx)
	if n := len(s.phases); n > 0 {
		s.phases[n-1].End = now
	}
	if p != PhaseDone {
		s.phases = append(s.phases, report.PhaseTiming{Phase: string(p), Start: now})
	}
	s.status.Phase = p
	value := string(p)
	if p == PhaseDone {
		value = string(s.status.Status)
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, PatchPhaseKey.ValueSet(value)); err != nil {
		workflow.GetLogger(ctx).Warn("cannot set PatchPhase", "error", err)
	}
	workflow.SetCurrentDetails(ctx, details(s.status))
}

// approvedSet is what the run may install, as the activities check it.
func (s *runState) approvedSet() activities.Approved {
	return activities.Approved{Digest: s.digest, All: s.all, Patches: s.approved, Approval: s.gate.decision}
}

// finish writes the run's report, whatever stopped it, and returns the
// result. A cancelled run reports on a disconnected context.
func (s *runState) finish(ctx workflow.Context, status Status) (CycleResult, error) {
	s.status.Status = status
	s.status.Failure, s.status.Reason, s.status.Waiting = s.failure, s.reason, ""
	s.setPhase(ctx, PhaseReport)
	if s.locked {
		if err := workflow.ExecuteActivity(shortCtx(ctx, s.tuning), a.ReleaseRolloutLock, s.run).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("releasing the rollout lock (it lapses at the window's end)", "error", err)
		}
		s.locked = false
	}
	in := activities.ReportInput{Failure: s.failure, Reason: s.reason, Run: s.run, Mode: s.snapshot.Group.Mode, Status: string(status),
		Snapshot: s.snapshot, ManifestDigest: s.digest, Approval: s.gate.decision, Phases: s.phases,
		Approved: s.approved, All: s.all,
		NotAttempted: notAttemptedReason(status), NotApproved: notApprovedReason(status)}
	var ref activities.ReportRef
	if err := workflow.ExecuteActivity(bulkCtx(ctx, s.tuning), a.WriteReport, in).Get(ctx, &ref); err != nil {
		return CycleResult{}, err
	}
	s.status.Report = &ref
	if ev, ok := s.finalEvent(status, ref); ok {
		s.notify(ctx, ev)
	}
	if s.ticketOpened {
		s.ticket(ctx, activities.ChangeTicketInput{Step: activities.TicketClosed, Outcome: string(status),
			Summary: ticketSummary(status, s.reason, ref)})
	}
	s.awaitNotes(ctx)
	s.setPhase(ctx, PhaseDone)
	return CycleResult{Group: s.run.Group, Cycle: s.run.Cycle, Retry: s.run.Retry, Mode: s.snapshot.Group.Mode, Status: status,
		ManifestDigest: s.digest, Approval: s.gate.decision, Counts: s.status.Counts, Report: &ref}, nil
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
	case StatusExpired:
		return report.ReasonExpired
	}
	return ""
}

func notApprovedReason(s Status) string {
	switch s {
	case StatusWindowClosed:
		return report.ReasonWindowClosed
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

package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/report"
)

// ticket queues a step of the group's change request, when the group has
// one (runs without, and every run recorded before them, issue no
// command). The steps run one after the other, in a coroutine, so they
// never block the cycle and a later step never overtakes the step that
// opens the change; finish waits a little for them.
func (s *runState) ticket(ctx workflow.Context, in activities.ChangeTicketInput) {
	t := s.snapshot.Group.ChangeTicket
	if t == nil {
		return
	}
	if s.tickets == nil {
		s.tickets = workflow.NewBufferedChannel(ctx, 8)
		workflow.Go(ctx, func(ctx workflow.Context) {
			for {
				var step activities.ChangeTicketInput
				if !s.tickets.Receive(ctx, &step) {
					return
				}
				if err := workflow.ExecuteActivity(outboundCtx(ctx, activities.ErrTicketRejected), a.ChangeTicket, step).Get(ctx, nil); err != nil {
					workflow.GetLogger(ctx).Warn("change request step failed", "step", step.Step, "error", err)
				}
				s.ticketSteps--
			}
		})
	}
	in.Run, in.Ticket = s.run, *t
	s.ticketSteps++
	if in.Step == activities.TicketReview {
		s.ticketOpened = true
	}
	s.tickets.Send(ctx, in)
}

// ticketSummary is the close notes of a run's change request.
func ticketSummary(status Status, reason string, ref activities.ReportRef) string {
	s := fmt.Sprintf("fleetpatch run ended %s: %d patched, %d pending reboot, %d live-patched (reboot deferred), %d failed, %d not attempted, %d unreachable. Report: %s",
		status, ref.Counts[report.Patched], ref.Counts[report.PendingReboot], ref.Counts[report.LivePatched], ref.Counts[report.Failed],
		ref.Counts[report.NotAttempted], ref.Counts[report.Unreachable], ref.Dir)
	if reason != "" {
		s += "\n" + reason
	}
	return s
}

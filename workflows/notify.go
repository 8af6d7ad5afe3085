package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/notify"
	"github.com/fleetpatch/fleetpatch/report"
)

// notifyWait bounds how long a finishing run waits for its last
// notifications before it closes (a notification must never hold a cycle
// up for long; one still retrying then is dropped, and says so in the
// worker's log).
const notifyWait = 2 * time.Minute

// outboundCtx is for the activities that call other teams' services
// (Notify, ChangeTicket): short attempts, retried with backoff for up to
// ten minutes; a request the service refused (the error type rejected) or
// bad input is not retried.
func outboundCtx(ctx workflow.Context, rejected string) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 2 * time.Minute,
			NonRetryableErrorTypes: []string{rejected, activities.ErrBadInput}},
	})
}

// notify sends the event to the group's notification destinations, when
// it has any (runs without them, and every run recorded before them,
// issue no command). It does not wait: a notification never blocks the
// cycle; finish waits a little for the pending ones.
func (s *runState) notify(ctx workflow.Context, ev notify.Event) {
	dests := s.snapshot.Group.Notifications
	if len(dests) == 0 {
		return
	}
	ev.Time = workflow.Now(ctx)
	f := workflow.ExecuteActivity(outboundCtx(ctx, activities.ErrNotifyRejected), a.Notify, activities.NotifyInput{Run: s.run, Event: ev, Destinations: dests})
	s.notes = append(s.notes, f)
}

// awaitNotes waits at most notifyWait for the notifications sent so far
// (logging those that failed) and the change request's queued steps.
func (s *runState) awaitNotes(ctx workflow.Context) {
	if len(s.notes) == 0 && s.ticketSteps == 0 {
		return
	}
	done := 0
	for _, f := range s.notes {
		workflow.Go(ctx, func(ctx workflow.Context) {
			if err := f.Get(ctx, nil); err != nil {
				workflow.GetLogger(ctx).Warn("notification not sent", "error", err)
			}
			done++
		})
	}
	n := len(s.notes)
	if _, err := workflow.AwaitWithTimeout(ctx, notifyWait, func() bool { return done == n && s.ticketSteps == 0 }); err != nil {
		workflow.GetLogger(ctx).Warn("waiting for notifications", "error", err)
	}
	s.notes = nil
}

// reviewReadyEvent is what an approval run's approvers get when its
// review is ready.
func (s *runState) reviewReadyEvent(rev *activities.Review, expires time.Time) notify.Event {
	statement, approve := notify.ReviewCommands(s.run.Group, s.run.Cycle)
	return notify.Event{Kind: notify.ReviewReady, Review: &notify.Review{Patches: len(rev.Patches), Instances: rev.Instances,
		ManifestDigest: rev.Digest, StatementCommand: statement, ApproveCommand: approve, Expires: expires}}
}

// finalEvent is the notification of a run's final status (none for a
// cancelled run: a person cancelled it).
func (s *runState) finalEvent(status Status, ref activities.ReportRef) (notify.Event, bool) {
	res := &notify.Result{Installed: ref.Counts[report.Patched] + ref.Counts[report.PendingReboot] + ref.Counts[report.LivePatched], Failed: ref.Counts[report.Failed],
		Skipped: ref.Counts[report.NotAttempted] + ref.Counts[report.Unreachable], Report: ref.Dir}
	for _, n := range ref.Counts {
		res.Instances += n
	}
	ev := notify.Event{Body: s.reason}
	switch status {
	case StatusCompleted:
		ev.Kind, ev.Result = notify.Completed, res
	case StatusFailed:
		ev.Kind, ev.Result, ev.Body = notify.Failed, res, s.failure
	case StatusHalted:
		ev.Kind, ev.Halt = notify.Halted, notify.NewHalt(s.reason, ref.Failed)
		ev.Halt.FailedTotal = ref.Counts[report.Failed]
	case StatusWindowClosed:
		ev.Kind = notify.WindowClosed
		ev.Body = strings.TrimSpace(fmt.Sprintf("%s\n%d instances not attempted; report: %s", s.reason, ref.Counts[report.NotAttempted], ref.Dir))
	case StatusExpired:
		ev.Kind, ev.Decision = notify.Expired, &notify.Decision{}
	case StatusRejected:
		ev.Kind, ev.Decision = notify.Rejected, s.decisionOf()
	default:
		return notify.Event{}, false
	}
	return ev, true
}

// decisionOf names who decided the run's approval, and their comment.
func (s *runState) decisionOf() *notify.Decision {
	d := &notify.Decision{}
	if s.gate.decision != nil {
		if s.gate.decision.By != "" {
			d.By = strings.Split(s.gate.decision.By, ", ")
		}
		d.Comment = s.gate.decision.Comment
	}
	return d
}

package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/fleetpatch/fleetpatch/notify"
	"github.com/fleetpatch/fleetpatch/policy"
)

// NotifyInput asks to send one event of a run to the group's destinations
// (the snapshot's Group.Notifications). It carries secret references only;
// the activity resolves them when it sends.
type NotifyInput struct {
	Run          Run                   `json:"run"`
	Event        notify.Event          `json:"event"`
	Destinations []policy.Notification `json:"destinations"`
}

// NotifyResult says what became of each destination that subscribes to
// the event.
type NotifyResult struct {
	Deliveries []NotifyDelivery `json:"deliveries"`
}

// NotifyDelivery is one destination's outcome. Reason never holds a
// secret: it names references, not their values.
type NotifyDelivery struct {
	// Index is the destination's position in the group's notifications.
	Index  int    `json:"index"`
	Type   string `json:"type"`
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// Delivery statuses.
const (
	NotifySent        = "sent"
	NotifyAlreadySent = "already-sent"
	// NotifySkipped: a secret reference could not be resolved (a variable
	// not set, a file missing); logged, not retried, never an error.
	NotifySkipped = "skipped"
	NotifyFailed  = "failed"
)

// Error types of Notify. A caller ignores both: notifications never block
// a cycle.
const (
	// ErrNotifyUnavailable (retryable): a receiver answered 5xx, 408, 425
	// or 429, timed out or could not be reached; a retry sends only to the
	// destinations not yet recorded as sent.
	ErrNotifyUnavailable = "NotifyUnavailable"
	// ErrNotifyRejected (not retryable): a receiver refused the event
	// (HTTP 4xx, SMTP 5xx) or a destination cannot work as configured.
	ErrNotifyRejected = "NotifyRejected"
)

// notifyRecord is what the store keeps of a sent notification.
type notifyRecord struct {
	Delivery string    `json:"delivery"`
	Kind     string    `json:"kind"`
	Type     string    `json:"type"`
	Index    int       `json:"index"`
	SentAt   time.Time `json:"sentAt"`
}

// notifyKey records that the run's event went to destination dest.
func (r Run) notifyKey(event string, dest int) string {
	return fmt.Sprintf("%s/notifications/%s-%d.json", r.Prefix(), event, dest)
}

// Notify sends the event to every destination that subscribes to it, at
// most once per event and destination: a send is recorded in the store
// (<run prefix>/notifications/<event key>-<index>.json) and a recorded one
// is skipped, so the activity's retries and a second call send only what
// is missing. It returns a retryable ErrNotifyUnavailable error when a
// destination may work on a retry, else a non-retryable ErrNotifyRejected
// one when a destination refused; both carry the NotifyResult as details.
func (a *Activities) Notify(ctx context.Context, in NotifyInput) (NotifyResult, error) {
	e, err := checkNotifyInput(in)
	if err != nil {
		return NotifyResult{}, err
	}
	if e.Time.IsZero() {
		e.Time = a.now().UTC()
	}
	var res NotifyResult
	var retry, refused []string
	for i, d := range in.Destinations {
		if !d.Wants(string(e.Kind)) {
			continue
		}
		del, retryable := a.notifyOne(ctx, in.Run, e, i, d)
		res.Deliveries = append(res.Deliveries, del)
		if del.Status == NotifyFailed {
			msg := fmt.Sprintf("notifications[%d] (%s): %s", i, d.Type, del.Reason)
			if retryable {
				retry = append(retry, msg)
			} else {
				refused = append(refused, msg)
			}
		}
	}
	switch {
	case len(retry) > 0:
		return res, temporal.NewApplicationErrorWithOptions("notify "+e.Key()+": "+strings.Join(append(retry, refused...), "; "),
			ErrNotifyUnavailable, temporal.ApplicationErrorOptions{Details: []any{res}})
	case len(refused) > 0:
		return res, temporal.NewApplicationErrorWithOptions("notify "+e.Key()+": "+strings.Join(refused, "; "),
			ErrNotifyRejected, temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{res}})
	}
	return res, nil
}

// notifyOne sends to one destination unless the store says it was sent;
// retryable says whether a failure may pass on a retry.
func (a *Activities) notifyOne(ctx context.Context, run Run, e notify.Event, i int, d policy.Notification) (del NotifyDelivery, retryable bool) {
	del = NotifyDelivery{Index: i, Type: d.Type}
	key := run.notifyKey(e.Key(), i)
	var rec notifyRecord
	found, err := getJSON(ctx, a.Store, key, &rec)
	switch {
	case errors.Is(err, ErrDamaged):
		// Only a send writes the record: a damaged one was sent.
		notifyLog(ctx, "warn", "notification record damaged; taken as sent", "key", key, "error", err)
		found = true
	case err != nil:
		del.Status, del.Reason = NotifyFailed, fmt.Sprintf("read %s: %v", key, err)
		return del, true
	}
	if found {
		del.Status = NotifyAlreadySent
		return del, false
	}
	sender, err := notify.New(d, notify.Options{})
	if errors.Is(err, notify.ErrUnresolved) {
		del.Status, del.Reason = NotifySkipped, err.Error()
		notifyLog(ctx, "warn", "notification not sent: its secret reference is not resolved", "event", e.Key(), "destination", i, "type", d.Type, "reason", err.Error())
		return del, false
	}
	if err == nil {
		err = sender.Send(ctx, e)
	}
	if err != nil {
		del.Status, del.Reason = NotifyFailed, err.Error()
		notifyLog(ctx, "warn", "notification failed", "event", e.Key(), "destination", i, "type", d.Type, "error", err.Error())
		return del, !errors.Is(err, notify.ErrPermanent)
	}
	del.Status = NotifySent
	rec = notifyRecord{Delivery: e.DeliveryID(), Kind: string(e.Kind), Type: d.Type, Index: i, SentAt: a.now().UTC()}
	if err := putJSON(ctx, a.Store, key, rec); err != nil {
		// Sent but not recorded: a later call may send it again, which
		// receivers can tell by its delivery ID. Not worth failing for.
		notifyLog(ctx, "warn", "notification sent but not recorded", "key", key, "error", err.Error())
	}
	notifyLog(ctx, "info", "notification sent", "event", e.Key(), "destination", i, "type", d.Type)
	return del, false
}

// checkNotifyInput validates the input and fills the event's cycle fields
// from the run.
func checkNotifyInput(in NotifyInput) (notify.Event, error) {
	if err := validRun(in.Run); err != nil {
		return notify.Event{}, err
	}
	e := in.Event
	fill := func(field string, v *string, want string) error {
		switch {
		case *v == "":
			*v = want
		case *v != want:
			return badInput("notification event %s %q is not the run's %q", field, *v, want)
		}
		return nil
	}
	for _, err := range []error{
		fill("group", &e.Group, in.Run.Group), fill("cycle", &e.Cycle, in.Run.Cycle),
		fill("workflowId", &e.WorkflowID, in.Run.WorkflowID()), fill("runId", &e.RunID, in.Run.ID),
	} {
		if err != nil {
			return e, err
		}
	}
	if err := e.Validate(); err != nil {
		return e, badInput("%v", err)
	}
	if len(in.Destinations) > policy.MaxNotifications {
		return e, badInput("%d notification destinations; at most %d", len(in.Destinations), policy.MaxNotifications)
	}
	for i, d := range in.Destinations {
		if err := d.Validate(); err != nil {
			return e, badInput("notifications[%d]: %v", i, err)
		}
	}
	return e, nil
}

// notifyLog logs inside an activity (and nowhere else).
func notifyLog(ctx context.Context, level, msg string, kv ...any) {
	if !activity.IsActivity(ctx) {
		return
	}
	l := activity.GetLogger(ctx)
	if level == "warn" {
		l.Warn(msg, kv...)
		return
	}
	l.Info(msg, kv...)
}

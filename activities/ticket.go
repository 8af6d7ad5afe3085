package activities

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/fleetpatch/fleetpatch/notify"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/ticket"
)

// ChangeTicketInput asks for one step of a run's change ticket (the
// snapshot's Group.ChangeTicket). It carries credential references only;
// the activity resolves them when it calls ServiceNow.
type ChangeTicketInput struct {
	Run Run `json:"run"`
	// Step is TicketReview, TicketApproved or TicketClosed.
	Step   string              `json:"step"`
	Ticket policy.ChangeTicket `json:"ticket"`
	// Review and ReviewKey (the stored review, attached as review.json)
	// are for the review step.
	Review    ChangeTicketReview `json:"review"`
	ReviewKey string             `json:"reviewKey,omitempty"`
	// Outcome (the run's final status: completed, halted, …) and Summary
	// (the report's summary, the close notes) are for the closed step.
	Outcome string `json:"outcome,omitempty"`
	Summary string `json:"summary,omitempty"`
}

// ChangeTicketReview is what the change request says of the review.
type ChangeTicketReview struct {
	Patches   int    `json:"patches"`
	Instances int    `json:"instances"`
	Digest    string `json:"digest"`
}

// ChangeTicketResult is the change request after the step.
type ChangeTicketResult struct {
	Number string `json:"number,omitempty"`
	SysID  string `json:"sysId,omitempty"`
	// State is the state's label (New, Implement, Closed, Canceled).
	State string `json:"state,omitempty"`
	// Status is TicketDone, TicketAlreadyDone or TicketSkipped; Reason
	// says why a step was skipped (never a secret).
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// Change ticket steps.
const (
	// TicketReview opens the change (or finds the open one whose
	// correlation_id is the run's workflow ID) and attaches the review.
	TicketReview = "review"
	// TicketApproved moves the change to Implement.
	TicketApproved = "approved"
	// TicketClosed closes it: successful when the run completed,
	// unsuccessful otherwise; canceled when it never reached Implement
	// and the run did not complete.
	TicketClosed = "closed"
)

// Change ticket step statuses.
const (
	TicketDone        = "done"
	TicketAlreadyDone = "already-done"
	// TicketSkipped: a credential reference is not resolved (a variable
	// not set, a file missing), or there is no change to update; logged,
	// never an error.
	TicketSkipped = "skipped"
)

// Error types of ChangeTicket. A caller logs both and goes on: a change
// ticket never blocks a cycle.
const (
	// ErrTicketUnavailable (retryable): ServiceNow answered 5xx, 408, 425
	// or 429, timed out or could not be reached, or the store failed; a
	// retry redoes only what is not recorded as done.
	ErrTicketUnavailable = "TicketUnavailable"
	// ErrTicketRejected (not retryable): ServiceNow refused a request
	// (4xx: credentials, permissions, a state transition its change model
	// does not allow) or the ticket cannot work as configured.
	ErrTicketRejected = "TicketRejected"
)

// ticketOutcomes are the run outcomes the closed step accepts.
var ticketOutcomes = []string{"completed", "halted", "window-closed", "failed", "expired", "rejected", "cancelled"}

var digestRe = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// ticketRecord is what the store keeps of a run's change ticket: the
// ticket and the steps done (no secret).
type ticketRecord struct {
	Instance      string               `json:"instance"`
	SysID         string               `json:"sysId"`
	Number        string               `json:"number"`
	CorrelationID string               `json:"correlationId"`
	State         string               `json:"state"`
	Steps         map[string]time.Time `json:"steps"`
}

func (r Run) ticketKey() string { return r.Prefix() + "/ticket.json" }

// ChangeTicket does one step of the run's change ticket, at most once: the
// ticket's sys_id and the steps done are recorded in the store
// (<run prefix>/ticket.json), and a recorded step is not done again. Each
// step is also safe to redo without the record: the change is found by its
// correlation_id, the review by its name, and a closed change is left
// alone. It returns a retryable ErrTicketUnavailable error when a retry
// may help, else a non-retryable ErrTicketRejected one; both carry the
// ChangeTicketResult as details.
func (a *Activities) ChangeTicket(ctx context.Context, in ChangeTicketInput) (ChangeTicketResult, error) {
	if err := checkTicketInput(in); err != nil {
		return ChangeTicketResult{}, err
	}
	key := in.Run.ticketKey()
	rec := ticketRecord{Instance: in.Ticket.Instance, CorrelationID: in.Run.WorkflowID(), Steps: map[string]time.Time{}}
	found, err := getJSON(ctx, a.Store, key, &rec)
	switch {
	case errors.Is(err, ErrDamaged):
		// Every step can be redone safely; the ticket is found again.
		notifyLog(ctx, "warn", "change ticket record damaged; finding the ticket again", "key", key, "error", err)
		rec = ticketRecord{Instance: in.Ticket.Instance, CorrelationID: in.Run.WorkflowID(), Steps: map[string]time.Time{}}
	case err != nil:
		return ChangeTicketResult{}, ticketError(in.Step, ChangeTicketResult{}, fmt.Errorf("read %s: %w", key, err))
	case found && rec.Instance != in.Ticket.Instance:
		return ChangeTicketResult{}, ticketError(in.Step, ChangeTicketResult{},
			fmt.Errorf("%w: the run's ticket is on %s, not %s", ticket.ErrRejected, rec.Instance, in.Ticket.Instance))
	}
	if rec.Steps == nil {
		rec.Steps = map[string]time.Time{}
	}
	if _, done := rec.Steps[in.Step]; done {
		return rec.result(TicketAlreadyDone), nil
	}
	c, err := ticket.New(in.Ticket, ticket.Options{})
	if errors.Is(err, ticket.ErrUnresolved) {
		notifyLog(ctx, "warn", "change ticket step skipped: a credential reference is not resolved", "step", in.Step, "reason", err.Error())
		res := rec.result(TicketSkipped)
		res.Reason = err.Error()
		return res, nil
	}
	if err != nil {
		return rec.result(""), ticketError(in.Step, rec.result(""), err)
	}
	var ch ticket.Change
	if in.Step == TicketReview {
		ch, err = a.ticketReview(ctx, c, in, &rec)
	} else {
		ch, err = a.ticketUpdate(ctx, c, in, &rec)
	}
	if errors.Is(err, errNoTicket) {
		notifyLog(ctx, "warn", "change ticket step skipped: no change request", "step", in.Step)
		return ChangeTicketResult{Status: TicketSkipped, Reason: err.Error()}, nil
	}
	if err != nil {
		return rec.result(""), ticketError(in.Step, rec.result(""), err)
	}
	rec.State, rec.Steps[in.Step] = string(ch.State), a.now().UTC()
	if err := putJSON(ctx, a.Store, key, rec); err != nil {
		// Done but not recorded: a retry redoes it, which is safe.
		notifyLog(ctx, "warn", "change ticket step done but not recorded", "key", key, "error", err.Error())
	}
	notifyLog(ctx, "info", "change ticket step done", "step", in.Step, "number", rec.Number, "state", ch.State.Name())
	return rec.result(TicketDone), nil
}

// errNoTicket: a step after review found no change request to update.
var errNoTicket = errors.New("no change request for this run: the review step did not open one")

// ticketReview opens (or finds) the change and attaches the stored review.
func (a *Activities) ticketReview(ctx context.Context, c *ticket.Client, in ChangeTicketInput, rec *ticketRecord) (ticket.Change, error) {
	r := in.Review
	stmt, approve := notify.ReviewCommands(in.Run.Group, in.Run.Cycle)
	ch, _, err := c.Create(ctx, ticket.NewChange{
		CorrelationID:    rec.CorrelationID,
		ShortDescription: fmt.Sprintf("fleetpatch %s %s: %d patches on %d instances", in.Run.Group, in.Run.Cycle, r.Patches, r.Instances),
		Description: strings.Join([]string{
			fmt.Sprintf("Patch cycle %s (run %s) of group %s.", in.Run.WorkflowID(), in.Run.ID, in.Run.Group),
			fmt.Sprintf("Patches: %d; instances: %d; manifest digest: %s.", r.Patches, r.Instances, r.Digest),
			"The review (every patch and affected instance) is attached as review.json.",
			"Print the statement to sign: " + stmt, "Approve: " + approve,
		}, "\n"),
	})
	if err != nil {
		return ticket.Change{}, err
	}
	rec.SysID, rec.Number = ch.SysID, ch.Number
	if err := putJSON(ctx, a.Store, in.Run.ticketKey(), rec); err != nil {
		notifyLog(ctx, "warn", "change ticket opened but not recorded", "number", ch.Number, "error", err.Error())
	}
	data, err := a.Store.Get(ctx, in.ReviewKey)
	if errors.Is(err, ErrNotFound) {
		return ticket.Change{}, fmt.Errorf("%w: review %s not found in the store", ticket.ErrRejected, in.ReviewKey)
	}
	if err != nil {
		return ticket.Change{}, fmt.Errorf("read %s: %w", in.ReviewKey, err)
	}
	if _, _, err := c.Attach(ctx, ch.SysID, "review.json", "application/json", data); err != nil {
		return ticket.Change{}, err
	}
	return ch, nil
}

// ticketUpdate moves the change to Implement (approved) or closes it.
func (a *Activities) ticketUpdate(ctx context.Context, c *ticket.Client, in ChangeTicketInput, rec *ticketRecord) (ticket.Change, error) {
	if rec.SysID == "" {
		ch, found, err := c.Find(ctx, rec.CorrelationID)
		if err != nil {
			return ticket.Change{}, err
		}
		if !found {
			return ticket.Change{}, errNoTicket
		}
		rec.SysID, rec.Number = ch.SysID, ch.Number
	}
	if in.Step == TicketApproved {
		return c.MoveTo(ctx, rec.SysID, ticket.StateImplement)
	}
	if in.Outcome == "completed" {
		return c.Close(ctx, rec.SysID, ticket.CloseSuccessful, in.Summary)
	}
	ch, err := c.Get(ctx, rec.SysID)
	if err != nil {
		return ticket.Change{}, err
	}
	switch ch.State {
	case ticket.StateNew, ticket.StateAssess, ticket.StateAuthorize, ticket.StateScheduled:
		// Never implemented: canceled, as the state model has it.
		return c.Cancel(ctx, rec.SysID, fmt.Sprintf("fleetpatch: the run ended %s.\n%s", in.Outcome, in.Summary))
	}
	return c.Close(ctx, rec.SysID, ticket.CloseUnsuccessful, in.Summary)
}

// result is the record as a ChangeTicketResult with status.
func (r ticketRecord) result(status string) ChangeTicketResult {
	state := ""
	if r.State != "" {
		state = ticket.State(r.State).Name()
	}
	return ChangeTicketResult{Number: r.Number, SysID: r.SysID, State: state, Status: status}
}

// ticketError is the activity's error for a failed step.
func ticketError(step string, res ChangeTicketResult, err error) error {
	msg := "change ticket " + step + ": " + err.Error()
	if errors.Is(err, ticket.ErrRejected) {
		return temporal.NewApplicationErrorWithOptions(msg, ErrTicketRejected,
			temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{res}})
	}
	return temporal.NewApplicationErrorWithOptions(msg, ErrTicketUnavailable, temporal.ApplicationErrorOptions{Details: []any{res}})
}

// checkTicketInput refuses, without retries, an input that does not
// validate.
func checkTicketInput(in ChangeTicketInput) error {
	if err := validRun(in.Run); err != nil {
		return err
	}
	if err := in.Ticket.Validate(); err != nil {
		return badInput("%v", err)
	}
	switch in.Step {
	case TicketReview:
		r := in.Review
		if r.Patches < 0 || r.Instances < 0 || !digestRe.MatchString(r.Digest) {
			return badInput("change ticket review: patches %d, instances %d and digest %q must be counts and a sha256: digest", r.Patches, r.Instances, r.Digest)
		}
		base := "cycles/" + in.Run.Group + "/" + in.Run.Cycle + "/" + in.Run.ID + "/"
		if !strings.HasPrefix(in.ReviewKey, base) || !strings.HasSuffix(in.ReviewKey, ".json") || strings.Contains(in.ReviewKey, "..") {
			return badInput("change ticket review key %q is not a review of the run (%s…json)", in.ReviewKey, base)
		}
	case TicketApproved:
	case TicketClosed:
		ok := false
		for _, o := range ticketOutcomes {
			ok = ok || in.Outcome == o
		}
		if !ok {
			return badInput("change ticket outcome %q is not one of %s", in.Outcome, strings.Join(ticketOutcomes, ", "))
		}
		if strings.TrimSpace(in.Summary) == "" {
			return badInput("change ticket closed step needs the report's summary (the close notes)")
		}
	default:
		return badInput("change ticket step %q is not %s, %s or %s", in.Step, TicketReview, TicketApproved, TicketClosed)
	}
	return nil
}

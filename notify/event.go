package notify

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Kind is what happened to a cycle. Its values are the event names of a
// policy's notifications (policy.NotificationEvents).
type Kind string

// Event kinds.
const (
	// ReviewReady: an approval cycle's manifest waits for its approvers.
	ReviewReady Kind = "review-ready"
	// Approved: the manifest was approved (by enough approvers).
	Approved Kind = "approved"
	// Rejected: an approver rejected the manifest.
	Rejected Kind = "rejected"
	// Expired: no decision arrived before the approval timeout.
	Expired Kind = "expired"
	// Halted: the rollout stopped (max errors, a failed health gate or
	// hook, an operator's halt).
	Halted Kind = "halted"
	// WindowClosed: the install window closed with instances left.
	WindowClosed Kind = "window-closed"
	// Completed: the cycle finished and its report is written.
	Completed Kind = "completed"
	// Failed: the cycle failed.
	Failed Kind = "failed"
)

// Kinds lists every kind, in the order a cycle may send them.
var Kinds = []Kind{ReviewReady, Approved, Rejected, Expired, Halted, WindowClosed, Completed, Failed}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool { return slices.Contains(Kinds, k) }

// Event is one notification of a cycle. It holds no secret, so it may be
// a workflow's activity input and sit in its history. Group, Cycle,
// WorkflowID and RunID name the cycle; the activity fills them from its
// run when they are empty.
type Event struct {
	// ID tells the events of a run apart for deduplication; empty means
	// Kind. A run that can send the same kind twice (a window that closes
	// twice) names each, e.g. "window-closed-2".
	ID         string    `json:"id,omitempty"`
	Kind       Kind      `json:"kind"`
	Group      string    `json:"group"`
	Cycle      string    `json:"cycle"`
	WorkflowID string    `json:"workflowId"`
	RunID      string    `json:"runId"`
	Time       time.Time `json:"time,omitempty"`
	// Title is one line; empty means "<group> <cycle>: <kind>".
	Title string `json:"title,omitempty"`
	// Body is a few lines of plain text.
	Body string `json:"body,omitempty"`

	// Review is for review-ready.
	Review *Review `json:"review,omitempty"`
	// Decision is for approved, rejected and expired.
	Decision *Decision `json:"decision,omitempty"`
	// Halt is for halted.
	Halt *Halt `json:"halt,omitempty"`
	// Result is for completed and failed.
	Result *Result `json:"result,omitempty"`
}

// Review is what an approver needs to decide.
type Review struct {
	Patches        int    `json:"patches"`
	Instances      int    `json:"instances"`
	ManifestDigest string `json:"manifestDigest"`
	// StatementCommand prints the statement to sign; ApproveCommand sends
	// the signed approval (see ReviewCommands).
	StatementCommand string `json:"statementCommand"`
	ApproveCommand   string `json:"approveCommand"`
	// Expires is when the cycle stops waiting.
	Expires time.Time `json:"expires,omitempty"`
}

// Decision is an approval's outcome.
type Decision struct {
	// By are the approvers who decided (none for expired).
	By      []string `json:"by,omitempty"`
	Comment string   `json:"comment,omitempty"`
}

// Halt says why a rollout stopped and where.
type Halt struct {
	Reason string `json:"reason"`
	// FailedInstances are the first MaxFailedInstances failing instances;
	// FailedTotal counts all of them.
	FailedInstances []string `json:"failedInstances,omitempty"`
	FailedTotal     int      `json:"failedTotal"`
}

// Result is a finished cycle's counts and where its report is.
type Result struct {
	Instances int `json:"instances"`
	Installed int `json:"installed"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
	// Report is the report's location (a path or an s3:// or https:// URL).
	Report string `json:"report,omitempty"`
}

// Limits of an event.
const (
	MaxFailedInstances = 20
	maxTitle           = 200
	maxBody            = 4000
	maxField           = 1000
)

var (
	eventID   = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,63}$`)
	digestRe  = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	runIDLike = regexp.MustCompile(`^[A-Za-z0-9-]{1,64}$`)
)

// NewHalt builds a Halt from every failing instance, keeping the first
// MaxFailedInstances.
func NewHalt(reason string, failed []string) *Halt {
	h := &Halt{Reason: reason, FailedTotal: len(failed)}
	h.FailedInstances = append([]string(nil), failed[:min(len(failed), MaxFailedInstances)]...)
	return h
}

// ReviewCommands are the commands an approver runs for a cycle: print the
// statement to sign, and send the signed approval (docs/approvals.md).
func ReviewCommands(group, cycle string) (statement, approve string) {
	statement = fmt.Sprintf("go run ./starter review --group %s --cycle %s --statement --approver YOU > statement.txt", group, cycle)
	approve = fmt.Sprintf("ssh-keygen -Y sign -n fleetpatch-approval -f ~/.ssh/id_ed25519 statement.txt && "+
		"go run ./starter approve --group %s --cycle %s --statement statement.txt --signature statement.txt.sig", group, cycle)
	return statement, approve
}

// Key is the event's name within its run: ID, or Kind.
func (e Event) Key() string {
	if e.ID != "" {
		return e.ID
	}
	return string(e.Kind)
}

// DeliveryID names the event across every cycle, for receivers that
// deduplicate: "<workflow ID>/<run ID>/<key>". Every destination and every
// retry of the same event carries the same delivery ID.
func (e Event) DeliveryID() string { return e.WorkflowID + "/" + e.RunID + "/" + e.Key() }

// Subject is the event's title, or a default one.
func (e Event) Subject() string {
	if e.Title != "" {
		return e.Title
	}
	return fmt.Sprintf("fleetpatch %s %s: %s", e.Group, e.Cycle, strings.ReplaceAll(string(e.Kind), "-", " "))
}

// Validate checks an event: its kind, that each structured part belongs
// to its kind (and the kind's own part is there), and bounds on all text;
// text lines must not carry control characters (they become mail headers
// and chat messages).
func (e Event) Validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if !e.Kind.Valid() {
		bad("kind %q is not one of %v", e.Kind, Kinds)
	}
	if e.ID != "" && !eventID.MatchString(e.ID) {
		bad("id %q is not lowercase letters, digits, '.' and '-' (up to 64)", e.ID)
	}
	if e.WorkflowID == "" || !oneLine(e.WorkflowID, 200) {
		bad("workflowId must be one line of up to 200 characters")
	}
	if !runIDLike.MatchString(e.RunID) {
		bad("runId %q is not a workflow run ID", e.RunID)
	}
	if !oneLine(e.Title, maxTitle) {
		bad("title must be one line of up to %d characters", maxTitle)
	}
	if !text(e.Body, maxBody) {
		bad("body must be up to %d characters without control characters other than newlines", maxBody)
	}
	// part checks that a structured part is there for the kinds that
	// need it and only for the kinds that may have it.
	part := func(name string, present bool, need []Kind, may ...Kind) {
		switch {
		case !present && slices.Contains(need, e.Kind):
			bad("a %s event needs its %s", e.Kind, name)
		case present && !slices.Contains(need, e.Kind) && !slices.Contains(may, e.Kind):
			bad("%s is not part of a %s event", name, e.Kind)
		}
	}
	part("review", e.Review != nil, []Kind{ReviewReady})
	part("halt", e.Halt != nil, []Kind{Halted})
	part("result", e.Result != nil, []Kind{Completed}, Failed)
	part("decision", e.Decision != nil, nil, Approved, Rejected, Expired)
	errs = append(errs, e.validateParts()...)
	if len(errs) > 0 {
		return fmt.Errorf("notification event %s: %s", e.Key(), strings.Join(errs, "; "))
	}
	return nil
}

func (e Event) validateParts() []string {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if r := e.Review; r != nil {
		if r.Patches < 0 || r.Instances < 0 {
			bad("review counts must not be negative")
		}
		if !digestRe.MatchString(r.ManifestDigest) {
			bad("review.manifestDigest %q is not sha256:<64 hex>", r.ManifestDigest)
		}
		if r.StatementCommand == "" || r.ApproveCommand == "" || !oneLine(r.StatementCommand, maxField) || !oneLine(r.ApproveCommand, maxField) {
			bad("review.statementCommand and review.approveCommand must be one line each (see ReviewCommands)")
		}
	}
	if d := e.Decision; d != nil {
		if len(d.By) > 20 || !lines(d.By, 254) {
			bad("decision.by must list up to 20 approvers, one line each")
		}
		if !text(d.Comment, maxField) {
			bad("decision.comment must be up to %d characters of text", maxField)
		}
	}
	if h := e.Halt; h != nil {
		if !text(h.Reason, maxField) || h.Reason == "" {
			bad("halt.reason must be text of 1 to %d characters", maxField)
		}
		if len(h.FailedInstances) > MaxFailedInstances || !lines(h.FailedInstances, 200) {
			bad("halt.failedInstances must list up to %d instances, one line each (see NewHalt)", MaxFailedInstances)
		}
		if h.FailedTotal < len(h.FailedInstances) {
			bad("halt.failedTotal %d is less than the instances listed", h.FailedTotal)
		}
	}
	if r := e.Result; r != nil {
		if r.Instances < 0 || r.Installed < 0 || r.Failed < 0 || r.Skipped < 0 {
			bad("result counts must not be negative")
		}
		if !oneLine(r.Report, maxField) {
			bad("result.report must be one line")
		}
	}
	return errs
}

// oneLine reports whether s has at most n characters and no control
// characters.
func oneLine(s string, n int) bool {
	return len([]rune(s)) <= n && strings.IndexFunc(s, unicode.IsControl) < 0
}

// text is oneLine that also allows newlines and tabs.
func text(s string, n int) bool {
	return len([]rune(s)) <= n && strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) < 0
}

func lines(ss []string, n int) bool {
	for _, s := range ss {
		if s == "" || !oneLine(s, n) {
			return false
		}
	}
	return true
}

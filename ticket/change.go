package ticket

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// State is a change request's state value, as the change state model
// stores it.
type State string

// States of a normal change request.
const (
	StateNew       State = "-5"
	StateAssess    State = "-4"
	StateAuthorize State = "-3"
	StateScheduled State = "-2"
	StateImplement State = "-1"
	StateReview    State = "0"
	StateClosed    State = "3"
	StateCanceled  State = "4"
)

var stateNames = map[State]string{
	StateNew: "New", StateAssess: "Assess", StateAuthorize: "Authorize", StateScheduled: "Scheduled",
	StateImplement: "Implement", StateReview: "Review", StateClosed: "Closed", StateCanceled: "Canceled",
}

// Name is the state's label (New, Implement, Closed, …), or its value
// when the state model does not name it.
func (s State) Name() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return string(s)
}

// Final reports whether the change is closed or canceled.
func (s State) Final() bool { return s == StateClosed || s == StateCanceled }

// CloseCode says how a change ended.
type CloseCode string

// Close codes of a change request.
const (
	CloseSuccessful   CloseCode = "successful"
	CloseUnsuccessful CloseCode = "unsuccessful"
)

// Change is what fleetpatch reads of a change request.
type Change struct {
	SysID         string `json:"sys_id"`
	Number        string `json:"number"`
	State         State  `json:"state"`
	CorrelationID string `json:"correlation_id"`
}

// NewChange is a change request to open.
type NewChange struct {
	// ShortDescription is the one-line title (cut at 160 characters).
	ShortDescription string
	// Description is the body (cut at 4000 characters).
	Description string
	// CorrelationID identifies the change in fleetpatch (the cycle's
	// workflow ID): Create returns the open change that has it, if any.
	CorrelationID string
}

// Field limits of a change request.
const (
	maxShortDescription = 160
	maxText             = 4000
	maxCorrelationID    = 100
)

const changeTable = "/api/now/table/change_request"

// changeFields are the fields asked for in every answer.
const changeFields = "sys_id,number,state,correlation_id"

var sysIDRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// Find returns the open change request whose correlation_id is id; found
// is false when there is none.
func (c *Client) Find(ctx context.Context, id string) (ch Change, found bool, err error) {
	if err := checkCorrelationID(id); err != nil {
		return Change{}, false, err
	}
	var list []Change
	err = c.do(ctx, request{method: http.MethodGet, path: changeTable, query: url.Values{
		"sysparm_query":  {"correlation_id=" + id + "^active=true^ORDERBYsys_created_on"},
		"sysparm_fields": {changeFields}, "sysparm_limit": {"1"},
		"sysparm_exclude_reference_link": {"true"},
	}}, &list)
	if err != nil || len(list) == 0 {
		return Change{}, false, err
	}
	if list[0].CorrelationID != id {
		// An instance ignores the parts of a query it cannot apply.
		return Change{}, false, fmt.Errorf("%w: servicenow find: the answer's correlation_id is not %q", ErrRejected, id)
	}
	ch, err = checked("find", list[0])
	return ch, err == nil, err
}

// Create opens a normal change request, unless an open one with the same
// correlation ID exists: then it returns that one with created false.
func (c *Client) Create(ctx context.Context, n NewChange) (ch Change, created bool, err error) {
	if strings.TrimSpace(n.ShortDescription) == "" {
		return Change{}, false, fmt.Errorf("%w: a change request needs a short description", ErrRejected)
	}
	if ch, found, err := c.Find(ctx, n.CorrelationID); err != nil || found {
		return ch, false, err
	}
	rec := map[string]string{
		"short_description":   cut(oneLine(n.ShortDescription), maxShortDescription),
		"description":         cut(n.Description, maxText),
		"type":                "normal",
		"correlation_id":      n.CorrelationID,
		"correlation_display": "fleetpatch",
	}
	if c.category != "" {
		rec["category"] = c.category
	}
	if c.group != "" {
		g, err := c.groupID(ctx)
		if err != nil {
			return Change{}, false, err
		}
		rec["assignment_group"] = g
	}
	ch, err = c.write(ctx, http.MethodPost, changeTable, rec)
	return ch, err == nil, err
}

// Get reads a change request.
func (c *Client) Get(ctx context.Context, sysID string) (Change, error) {
	if err := checkSysID(sysID); err != nil {
		return Change{}, err
	}
	var ch Change
	err := c.do(ctx, request{method: http.MethodGet, path: changeTable + "/" + sysID, query: url.Values{
		"sysparm_fields": {changeFields}, "sysparm_exclude_reference_link": {"true"},
	}}, &ch)
	if err != nil {
		return Change{}, err
	}
	return checked("get", ch)
}

// MoveTo sets a change request's state.
func (c *Client) MoveTo(ctx context.Context, sysID string, s State) (Change, error) {
	if _, ok := stateNames[s]; !ok {
		return Change{}, fmt.Errorf("%w: %q is not a change state", ErrRejected, s)
	}
	return c.update(ctx, sysID, map[string]string{"state": string(s)})
}

// Close closes a change request with its close code and notes, through
// Review as the normal change's state model goes (Implement, Review,
// Closed). A change already closed or canceled is returned as it is.
func (c *Client) Close(ctx context.Context, sysID string, code CloseCode, notes string) (Change, error) {
	if code != CloseSuccessful && code != CloseUnsuccessful {
		return Change{}, fmt.Errorf("%w: %q is not a close code", ErrRejected, code)
	}
	ch, err := c.Get(ctx, sysID)
	if err != nil || ch.State.Final() {
		return ch, err
	}
	fields := map[string]string{"close_code": string(code), "close_notes": cut(notes, maxText)}
	if ch.State != StateReview {
		fields["state"] = string(StateReview)
		if _, err := c.update(ctx, sysID, fields); err != nil {
			return Change{}, err
		}
	}
	fields["state"] = string(StateClosed)
	return c.update(ctx, sysID, fields)
}

// Cancel cancels a change request that was never implemented, with notes
// as a work note. A change already closed or canceled is returned as it
// is.
func (c *Client) Cancel(ctx context.Context, sysID, notes string) (Change, error) {
	ch, err := c.Get(ctx, sysID)
	if err != nil || ch.State.Final() {
		return ch, err
	}
	return c.update(ctx, sysID, map[string]string{"state": string(StateCanceled), "work_notes": cut(notes, maxText)})
}

// update patches a change request's fields.
func (c *Client) update(ctx context.Context, sysID string, fields map[string]string) (Change, error) {
	if err := checkSysID(sysID); err != nil {
		return Change{}, err
	}
	return c.write(ctx, http.MethodPatch, changeTable+"/"+sysID, fields)
}

// write posts or patches a record and returns the change it answers.
func (c *Client) write(ctx context.Context, method, path string, fields map[string]string) (Change, error) {
	body, err := json.Marshal(fields)
	if err != nil {
		return Change{}, fmt.Errorf("%w: encode the change: %v", ErrRejected, err)
	}
	var ch Change
	err = c.do(ctx, request{method: method, path: path, contentType: "application/json", body: body, query: url.Values{
		"sysparm_fields": {changeFields}, "sysparm_exclude_reference_link": {"true"},
	}}, &ch)
	if err != nil {
		return Change{}, err
	}
	return checked(strings.ToLower(method), ch)
}

// groupID is the sys_id of the assignment group: the policy's value when
// it is one, else the sys_user_group of that name.
func (c *Client) groupID(ctx context.Context) (string, error) {
	if sysIDRe.MatchString(c.group) {
		return c.group, nil
	}
	var groups []struct {
		SysID string `json:"sys_id"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/now/table/sys_user_group", query: url.Values{
		"sysparm_query": {"name=" + c.group}, "sysparm_fields": {"sys_id"}, "sysparm_limit": {"2"},
	}}, &groups)
	switch {
	case err != nil:
		return "", err
	case len(groups) == 0:
		return "", fmt.Errorf("%w: assignment group %q not found (or not readable by this user)", ErrRejected, c.group)
	case len(groups) > 1:
		return "", fmt.Errorf("%w: more than one assignment group is named %q; give its sys_id", ErrRejected, c.group)
	case !sysIDRe.MatchString(groups[0].SysID):
		return "", fmt.Errorf("%w: assignment group %q has no sys_id in the answer", ErrRejected, c.group)
	}
	return groups[0].SysID, nil
}

// checked refuses an answer without a usable sys_id.
func checked(what string, ch Change) (Change, error) {
	if !sysIDRe.MatchString(ch.SysID) {
		return Change{}, fmt.Errorf("%w: servicenow %s: the change request in the answer has no sys_id", ErrRejected, what)
	}
	return ch, nil
}

func checkSysID(id string) error {
	if !sysIDRe.MatchString(id) {
		return fmt.Errorf("%w: %q is not a sys_id (32 hex digits)", ErrRejected, id)
	}
	return nil
}

// checkCorrelationID refuses what would change the encoded query.
func checkCorrelationID(id string) error {
	if id == "" || len(id) > maxCorrelationID || strings.ContainsAny(id, "^=") || strings.IndexFunc(id, unicode.IsControl) >= 0 {
		return fmt.Errorf("%w: correlation ID %q must be 1 to %d characters without '^', '=' or control characters", ErrRejected, id, maxCorrelationID)
	}
	return nil
}

// oneLine joins a text's lines with spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

package policy

import (
	"net"
	"net/url"
	"regexp"
	"strings"
	"unicode"
)

// ChangeTicket asks for a change request per cycle of a group in an IT
// service management tool; see docs/change-tickets.md. Credentials are
// never written in the policy: Username, Password and Token are references,
// "env:NAME" or "file:/absolute/path", resolved by the worker when it
// calls the tool.
type ChangeTicket struct {
	// Type is servicenow.
	Type string `json:"type"`
	// Instance is the tool's base URL, such as
	// https://example.service-now.com (https; plain http only to a
	// loopback address, a local stand-in or relay).
	Instance string `json:"instance"`
	// Username and Password are references to basic-auth credentials;
	// Token is a reference to an OAuth bearer token. Exactly one of
	// Password (with Username) and Token.
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Token    string `json:"token,omitempty"`
	// AssignmentGroup is the group the change is assigned to: a
	// sys_user_group sys_id (32 hex digits) or its name. Optional.
	AssignmentGroup string `json:"assignmentGroup,omitempty"`
	// Category is the change's category value (such as "software").
	// Optional.
	Category string `json:"category,omitempty"`
}

// Change ticket types.
const (
	TicketServiceNow = "servicenow"
)

// Limits of a change ticket's fields.
const (
	maxAssignmentGroup = 80
	maxTicketCategory  = 40
)

var ticketCategory = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_ -]*$`)

// Validate checks the change ticket on its own (the worker checks an
// activity's input again); problems name the field under "changeTicket".
func (t ChangeTicket) Validate() error {
	c := newCollector()
	validateChangeTicket(c, "changeTicket", t)
	return c.result()
}

// validateGroupChangeTicket checks a group's change ticket, which is only
// for groups that install.
func validateGroupChangeTicket(c *collector, path string, g *Group) {
	if g.ChangeTicket == nil {
		return
	}
	path += ".changeTicket"
	if g.Mode == ModeScanOnly {
		c.add(path, "is only for groups that install, not scan-only ones")
	}
	validateChangeTicket(c, path, *g.ChangeTicket)
}

func validateChangeTicket(c *collector, path string, t ChangeTicket) {
	switch t.Type {
	case TicketServiceNow:
	case "":
		c.add(path+".type", "is required (servicenow)")
	default:
		c.add(path+".type", "%q is not servicenow", t.Type)
	}
	if t.Instance == "" {
		c.add(path+".instance", "is required (the instance's URL, such as https://example.service-now.com)")
	} else if msg := checkInstanceURL(t.Instance); msg != "" {
		c.add(path+".instance", "%q %s", t.Instance, msg)
	}
	ref := func(field, value string) {
		if _, _, err := ParseSecretRef(value); err != nil {
			c.add(path+"."+field, "%v", err)
		}
	}
	switch {
	case t.Password != "" && t.Token != "":
		c.add(path+".token", "must not be set with password: use exactly one of username and password (basic auth) or token (OAuth)")
	case t.Password == "" && t.Token == "" && t.Username != "":
		c.add(path+".password", "is required with username (a reference such as env:SN_PASSWORD), unless token is used instead")
	case t.Password == "" && t.Token == "":
		c.add(path, "needs credentials: username and password (references, basic auth) or token (a reference, OAuth bearer)")
	case t.Token != "":
		ref("token", t.Token)
		if t.Username != "" {
			c.add(path+".username", "is not used with token")
		}
	default:
		ref("password", t.Password)
		if t.Username == "" {
			c.add(path+".username", "is required with password (a reference such as env:SN_USER)")
		} else {
			ref("username", t.Username)
		}
	}
	if g := t.AssignmentGroup; g != "" {
		switch {
		case len(g) > maxAssignmentGroup:
			c.add(path+".assignmentGroup", "is longer than %d characters", maxAssignmentGroup)
		case strings.TrimSpace(g) != g || strings.ContainsAny(g, "^=") || strings.IndexFunc(g, unicode.IsControl) >= 0:
			c.add(path+".assignmentGroup", "%q must be a group's sys_id or name, without surrounding spaces, control characters, '^' or '='", g)
		}
	}
	if k := t.Category; k != "" && (len(k) > maxTicketCategory || !ticketCategory.MatchString(k)) {
		c.add(path+".category", "%q must be a category value: letters, digits, '_', '-' and spaces, up to %d characters", k, maxTicketCategory)
	}
}

// checkInstanceURL says what is wrong with an instance URL, or "".
func checkInstanceURL(raw string) string {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return "is not a URL such as https://example.service-now.com"
	case u.User != nil:
		return "must not carry credentials (use username and password references)"
	case u.RawQuery != "" || u.Fragment != "" || strings.Trim(u.Path, "/") != "":
		return "must be the instance's base URL, without a path, query or fragment"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http" && loopbackHost(u.Hostname()):
		return ""
	}
	return "must be https (plain http only to a loopback address)"
}

// loopbackHost reports whether host is localhost or a loopback address.
func loopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// cloneChangeTicket copies a group's change ticket, so that a snapshot
// shares no memory with the policy.
func cloneChangeTicket(t *ChangeTicket) *ChangeTicket {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

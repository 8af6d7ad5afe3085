package policy

import (
	"fmt"
	"net"
	"net/mail"
	"path/filepath"
	"regexp"
	"strings"
)

// Notification is one destination of a group's notifications: a Slack or
// Microsoft Teams incoming webhook, a generic webhook signed with HMAC, or
// e-mail over SMTP. Secrets (webhook URLs carry tokens, HMAC keys, SMTP
// passwords) are never written in the policy: URL, Secret and
// SMTP.Password are references, "env:NAME" or "file:/absolute/path",
// resolved by the worker when it sends.
type Notification struct {
	// Type is slack, teams, webhook or email.
	Type string `json:"type"`
	// URL is a reference to the webhook's URL (slack, teams, webhook).
	URL string `json:"url,omitempty"`
	// Secret is a reference to the HMAC-SHA256 key of a webhook.
	Secret string `json:"secret,omitempty"`
	// SMTP is the mail server of an email destination.
	SMTP *SMTP `json:"smtp,omitempty"`
	// To are the recipients of an email destination.
	To []string `json:"to,omitempty"`
	// Events are the events sent to this destination; empty means all.
	Events []string `json:"events,omitempty"`
}

// SMTP is a mail server. The connection is upgraded with STARTTLS (and the
// server's certificate verified) unless Host is localhost; AUTH PLAIN is
// used when Username is set.
type SMTP struct {
	Host string `json:"host"`
	// Port defaults to 587 (submission).
	Port     int    `json:"port,omitempty"`
	Username string `json:"username,omitempty"`
	// Password is a reference (env:NAME or file:/path) to the password.
	Password string `json:"password,omitempty"`
	From     string `json:"from"`
}

// Notification types.
const (
	NotifySlack   = "slack"
	NotifyTeams   = "teams"
	NotifyWebhook = "webhook"
	NotifyEmail   = "email"
)

// NotificationEvents are the event names a destination may subscribe to,
// in the order a cycle may send them.
var NotificationEvents = []string{
	"review-ready", "approved", "rejected", "expired",
	"halted", "window-closed", "completed", "failed",
}

// DefaultSMTPPort is the port of an SMTP server without one (submission,
// RFC 6409).
const DefaultSMTPPort = 587

// Limits of a group's notifications.
const (
	// MaxNotifications bounds a group's destinations.
	MaxNotifications = 10
	maxRecipients    = 50
)

var (
	envRefName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,127}$`)
	smtpHost   = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$`)
)

// Secret reference kinds.
const (
	SecretEnv  = "env"
	SecretFile = "file"
)

// ParseSecretRef splits a secret reference, "env:NAME" (an environment
// variable of the worker) or "file:/absolute/path" (a file, such as a
// mounted Kubernetes or Docker secret), into its kind and name. The error
// never repeats ref: a literal secret written by mistake must not reach
// logs.
func ParseSecretRef(ref string) (kind, name string, err error) {
	kind, name, ok := strings.Cut(ref, ":")
	switch {
	case !ok:
	case kind == SecretEnv:
		if envRefName.MatchString(name) {
			return kind, name, nil
		}
		return "", "", fmt.Errorf("env: must name an environment variable (letters, digits and '_')")
	case kind == SecretFile:
		if filepath.IsAbs(name) && filepath.Clean(name) == name {
			return kind, name, nil
		}
		return "", "", fmt.Errorf("file: must name an absolute, clean path (file:/run/secrets/name)")
	}
	return "", "", fmt.Errorf("must be a reference, env:NAME or file:/absolute/path; secrets are never written in the policy (the value is not shown)")
}

// Wants reports whether the destination subscribes to the event.
func (n Notification) Wants(event string) bool {
	if len(n.Events) == 0 {
		return true
	}
	for _, e := range n.Events {
		if e == event {
			return true
		}
	}
	return false
}

// PortOrDefault is the SMTP port, or DefaultSMTPPort.
func (s SMTP) PortOrDefault() int {
	if s.Port == 0 {
		return DefaultSMTPPort
	}
	return s.Port
}

// Validate checks one destination on its own (the worker checks the
// destinations of an activity's input again); problems name the field
// under "notification".
func (n Notification) Validate() error {
	c := newCollector()
	validateNotification(c, "notification", n)
	return c.result()
}

// validateNotifications checks a group's notifications.
func validateNotifications(c *collector, path string, ns []Notification) {
	if len(ns) > MaxNotifications {
		c.add(path+".notifications", "has %d destinations; at most %d", len(ns), MaxNotifications)
	}
	for i, n := range ns {
		validateNotification(c, fmt.Sprintf("%s.notifications[%d]", path, i), n)
	}
}

func validateNotification(c *collector, path string, n Notification) {
	ref := func(field, value, why string) {
		if value == "" {
			c.add(path+"."+field, "is required (%s)", why)
			return
		}
		if _, _, err := ParseSecretRef(value); err != nil {
			c.add(path+"."+field, "%v", err)
		}
	}
	unused := func(fields map[string]bool) {
		for _, k := range sortedKeys(fields) {
			if fields[k] {
				c.add(path+"."+k, "is not used by type %s", n.Type)
			}
		}
	}
	switch n.Type {
	case NotifySlack, NotifyTeams:
		ref("url", n.URL, "a reference to the incoming webhook's URL, such as env:SLACK_WEBHOOK")
		unused(map[string]bool{"secret": n.Secret != "", "smtp": n.SMTP != nil, "to": len(n.To) > 0})
	case NotifyWebhook:
		ref("url", n.URL, "a reference to the webhook's URL, such as env:HOOK_URL")
		ref("secret", n.Secret, "a reference to the HMAC-SHA256 key that signs each delivery, such as env:HOOK_KEY")
		unused(map[string]bool{"smtp": n.SMTP != nil, "to": len(n.To) > 0})
	case NotifyEmail:
		validateSMTP(c, path+".smtp", n.SMTP)
		validateRecipients(c, path+".to", n.To)
		unused(map[string]bool{"url": n.URL != "", "secret": n.Secret != ""})
	case "":
		c.add(path+".type", "is required (slack, teams, webhook or email)")
	default:
		c.add(path+".type", "%q is not slack, teams, webhook or email", n.Type)
	}
	validateNotifyEvents(c, path+".events", n.Events)
}

func validateSMTP(c *collector, path string, s *SMTP) {
	if s == nil {
		c.add(path, "is required for type email (host, from; port, username, password)")
		return
	}
	switch {
	case s.Host == "":
		c.add(path+".host", "is required")
	case net.ParseIP(s.Host) == nil && !smtpHost.MatchString(s.Host):
		c.add(path+".host", "%q is not a host name or IP address", s.Host)
	}
	if s.Port < 0 || s.Port > 65535 {
		c.add(path+".port", "%d is not a TCP port (default %d)", s.Port, DefaultSMTPPort)
	}
	if s.From == "" {
		c.add(path+".from", "is required (the sender's address)")
	} else if _, err := mail.ParseAddress(s.From); err != nil {
		c.add(path+".from", "%q is not an e-mail address", s.From)
	}
	switch {
	case s.Username != "" && s.Password == "":
		c.add(path+".password", "is required with a username (a reference such as file:/run/secrets/smtp)")
	case s.Username == "" && s.Password != "":
		c.add(path+".username", "is required with a password")
	case s.Password != "":
		if _, _, err := ParseSecretRef(s.Password); err != nil {
			c.add(path+".password", "%v", err)
		}
	}
	if strings.ContainsAny(s.Username, "\x00\r\n") {
		c.add(path+".username", "must not contain control characters")
	}
}

func validateRecipients(c *collector, path string, to []string) {
	if len(to) == 0 {
		c.add(path, "must list at least one recipient for type email")
	}
	if len(to) > maxRecipients {
		c.add(path, "has %d recipients; at most %d", len(to), maxRecipients)
	}
	seen := map[string]bool{}
	for i, a := range to {
		f := fmt.Sprintf("%s[%d]", path, i)
		addr, err := mail.ParseAddress(a)
		switch {
		case err != nil:
			c.add(f, "%q is not an e-mail address", a)
		case seen[strings.ToLower(addr.Address)]:
			c.add(f, "%q is listed twice", a)
		default:
			seen[strings.ToLower(addr.Address)] = true
		}
	}
}

func validateNotifyEvents(c *collector, path string, events []string) {
	seen := map[string]bool{}
	for i, e := range events {
		f := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case !knownNotifyEvent(e):
			c.add(f, "%q is not an event (%s)", e, strings.Join(NotificationEvents, ", "))
		case seen[e]:
			c.add(f, "%q is listed twice", e)
		}
		seen[e] = true
	}
}

func knownNotifyEvent(e string) bool {
	for _, k := range NotificationEvents {
		if k == e {
			return true
		}
	}
	return false
}

// cloneNotifications deep-copies a group's notifications, so that a
// snapshot shares no slices with the policy.
func cloneNotifications(ns []Notification) []Notification {
	if ns == nil {
		return nil
	}
	out := make([]Notification, len(ns))
	for i, n := range ns {
		out[i] = n
		out[i].To = append([]string(nil), n.To...)
		out[i].Events = append([]string(nil), n.Events...)
		if n.SMTP != nil {
			s := *n.SMTP
			out[i].SMTP = &s
		}
	}
	return out
}

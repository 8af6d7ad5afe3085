package notify

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/mail"
	"net/url"

	"github.com/fleetpatch/fleetpatch/policy"
)

// Sender delivers an event to one destination.
type Sender interface {
	Send(ctx context.Context, e Event) error
}

// Options are the worker's means of sending; the zero value uses the
// process environment, the system's certificate roots and direct
// connections.
type Options struct {
	// HTTPClient posts to webhooks; nil means a client with a 15 s timeout
	// that follows no redirects.
	HTTPClient *http.Client
	// TLSConfig verifies SMTP servers after STARTTLS (its ServerName is
	// set to the server's host); nil means the system roots.
	TLSConfig *tls.Config
	// Dial connects to SMTP servers; nil means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// LookupEnv reads env: references; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// New returns the Sender of a destination, resolving its secret
// references now. A reference that cannot be resolved is an ErrUnresolved
// error; a destination that cannot work is an ErrPermanent one.
func New(n policy.Notification, o Options) (Sender, error) {
	if err := n.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	switch n.Type {
	case policy.NotifySlack, policy.NotifyTeams, policy.NotifyWebhook:
		u, err := o.resolveURL(n.URL)
		if err != nil {
			return nil, err
		}
		hc := httpClient(o.HTTPClient)
		switch n.Type {
		case policy.NotifySlack:
			return &Slack{URL: u, Client: hc}, nil
		case policy.NotifyTeams:
			return &Teams{URL: u, Client: hc}, nil
		}
		key, err := o.Resolve(n.Secret)
		if err != nil {
			return nil, err
		}
		return &Webhook{URL: u, Key: []byte(key), Client: hc}, nil
	case policy.NotifyEmail:
		m := &Email{Host: n.SMTP.Host, Port: n.SMTP.PortOrDefault(), Username: n.SMTP.Username,
			From: n.SMTP.From, To: n.To, TLSConfig: o.TLSConfig, Dial: o.Dial}
		if n.SMTP.Password != "" {
			p, err := o.Resolve(n.SMTP.Password)
			if err != nil {
				return nil, err
			}
			m.Password = p
		}
		return m, nil
	}
	return nil, fmt.Errorf("%w: notification type %q", ErrPermanent, n.Type)
}

// resolveURL resolves a webhook URL reference and checks it: https, or
// http to a loopback address (a local relay, tests). Errors name the
// reference, not the URL, which carries the webhook's token.
func (o Options) resolveURL(ref string) (string, error) {
	raw, err := o.Resolve(ref)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return "", fmt.Errorf("%w: the value of %s is not an https URL", ErrPermanent, ref)
	}
	return raw, nil
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// addressOf is the bare address of a policy e-mail address ("Name <a@b>"
// or "a@b").
func addressOf(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("%w: %q is not an e-mail address", ErrPermanent, s)
	}
	return a.Address, nil
}

package ticket

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/notify"
	"github.com/fleetpatch/fleetpatch/policy"
)

// ErrRejected says a retry cannot help: ServiceNow refused the request
// (HTTP 4xx other than 408, 425 and 429, or a redirect), answered what
// does not decode, or the ticket is misconfigured.
var ErrRejected = errors.New("change ticket refused")

// ErrUnresolved says a credential reference names an environment variable
// that is not set, or a file that cannot be read; it is notify's error, so
// both packages' callers test for the same value.
var ErrUnresolved = notify.ErrUnresolved

// DefaultTimeout bounds one request to ServiceNow.
const DefaultTimeout = 30 * time.Second

// Options are the worker's means of calling ServiceNow; the zero value
// uses the process environment and a client with DefaultTimeout.
type Options struct {
	// HTTPClient sends the requests; nil means a client with
	// DefaultTimeout that follows no redirects.
	HTTPClient *http.Client
	// LookupEnv reads env: references; nil means os.LookupEnv.
	LookupEnv func(string) (string, bool)
}

// Client calls one ServiceNow instance as one user. Its credentials are
// resolved; it never prints them.
type Client struct {
	base *url.URL
	// auth is the Authorization header's value.
	auth string
	hc   *http.Client
	// group and category are the policy's assignment group and category.
	group, category string
}

// New returns the client of a policy's change ticket, resolving its
// credential references now. A reference that cannot be resolved is an
// ErrUnresolved error; a ticket that cannot work is an ErrRejected one.
func New(t policy.ChangeTicket, o Options) (*Client, error) {
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRejected, err)
	}
	base, err := url.Parse(strings.TrimRight(t.Instance, "/"))
	if err != nil {
		return nil, fmt.Errorf("%w: instance %q is not a URL", ErrRejected, t.Instance)
	}
	r := notify.Options{LookupEnv: o.LookupEnv}
	resolve := func(field, ref string) (string, error) {
		v, err := r.Resolve(ref)
		switch {
		case errors.Is(err, ErrUnresolved):
			return "", fmt.Errorf("changeTicket.%s: %w", field, err)
		case err != nil:
			return "", fmt.Errorf("%w: changeTicket.%s: %v", ErrRejected, field, err)
		}
		return v, nil
	}
	c := &Client{base: base, hc: httpClient(o.HTTPClient), group: t.AssignmentGroup, category: t.Category}
	if t.Token != "" {
		tok, err := resolve("token", t.Token)
		if err != nil {
			return nil, err
		}
		c.auth = "Bearer " + tok
		return c, nil
	}
	user, err := resolve("username", t.Username)
	if err != nil {
		return nil, err
	}
	pass, err := resolve("password", t.Password)
	if err != nil {
		return nil, err
	}
	c.auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	return c, nil
}

// String names the client by its instance only.
func (c *Client) String() string { return "servicenow " + c.base.Host }

// httpClient is hc, or a client with DefaultTimeout that follows no
// redirects: an instance that redirects an API call (to a login page) is
// misconfigured, and following it could send the credentials elsewhere.
func httpClient(hc *http.Client) *http.Client {
	if hc != nil {
		return hc
	}
	return &http.Client{
		Timeout:       DefaultTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/fleetpatch/fleetpatch/internal/httpanswer"
)

// ErrPermanent says a retry cannot help: the receiver refused the request
// (HTTP 4xx other than 408, 425 and 429; SMTP 5xx) or the destination is
// misconfigured.
var ErrPermanent = errors.New("notification refused")

// defaultHTTPTimeout bounds one webhook post.
const defaultHTTPTimeout = 15 * time.Second

// httpClient is c, or a client with a timeout that follows no redirects:
// a webhook that redirects is misconfigured, and following it would send
// the event (and its signature) somewhere else.
func httpClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{
		Timeout:       defaultHTTPTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// response is what a receiver answered: its status and the start of its
// body.
type response struct {
	status int
	body   string
}

// post sends body as JSON to rawURL with extra headers. Errors never
// contain rawURL: transport errors are unwrapped from *url.Error, whose
// text includes it.
func post(ctx context.Context, c *http.Client, what, rawURL string, body []byte, headers map[string]string) (response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		return response{}, fmt.Errorf("%w: %s: cannot build the request", ErrPermanent, what)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "fleetpatch-notify/1")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s: post: %v", what, httpanswer.TransportError(err))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return response{status: resp.StatusCode, body: httpanswer.OneLine(string(snippet))}, nil
}

// check turns a receiver's status into an error: nil for 2xx, a retryable
// error for 408, 425, 429 and 5xx, ErrPermanent for anything else.
func (r response) check(what string) error {
	switch {
	case httpanswer.OK(r.status):
		return nil
	case httpanswer.Retryable(r.status):
		return fmt.Errorf("%s: HTTP %d%s", what, r.status, r.detail())
	}
	return fmt.Errorf("%w: %s: HTTP %d%s", ErrPermanent, what, r.status, r.detail())
}

// detail is the receiver's answer for an error message, if any.
func (r response) detail() string {
	if r.body == "" {
		return ""
	}
	return ": " + r.body
}

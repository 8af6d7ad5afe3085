package ticket

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/fleetpatch/fleetpatch/internal/httpanswer"
)

// maxResponse bounds the answer read from ServiceNow (records are asked
// for with a few fields only).
const maxResponse = 1 << 20

// request is one call to the instance's REST API.
type request struct {
	method string
	// path is below the instance, such as /api/now/table/change_request.
	path  string
	query url.Values
	// contentType and body are the request's body, if any.
	contentType string
	body        []byte
}

// what names the request in errors: method and path, never the query
// (which holds values from the policy) nor any header.
func (r request) what() string { return "servicenow " + r.method + " " + r.path }

// do sends the request and decodes the "result" of a 2xx answer into out
// (unless out is nil). Errors never contain the Authorization header:
// transport errors are unwrapped from *url.Error, and ServiceNow's own
// error message is reduced to one short line.
func (c *Client) do(ctx context.Context, r request, out any) error {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + r.path
	u.RawQuery = r.query.Encode()
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return fmt.Errorf("%w: %s: cannot build the request", ErrRejected, r.what())
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", c.auth)
	req.Header.Set("User-Agent", "fleetpatch-ticket/1")
	if r.body != nil {
		req.Header.Set("Content-Type", r.contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %v", r.what(), httpanswer.TransportError(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return fmt.Errorf("%s: read the answer: %v", r.what(), err)
	}
	if err := check(r.what(), resp.StatusCode, b); err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if len(b) > maxResponse {
		return fmt.Errorf("%w: %s: answer larger than %d bytes", ErrRejected, r.what(), maxResponse)
	}
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(b, &env); err != nil || len(env.Result) == 0 {
		return fmt.Errorf("%w: %s: HTTP %d answer has no JSON result", ErrRejected, r.what(), resp.StatusCode)
	}
	if err := json.Unmarshal(env.Result, out); err != nil {
		return fmt.Errorf("%w: %s: result does not decode: %v", ErrRejected, r.what(), err)
	}
	return nil
}

// check turns a status into an error: nil for 2xx, a retryable error for
// 408, 425, 429 and 5xx, ErrRejected for anything else (3xx included: no
// redirect is followed).
func check(what string, status int, body []byte) error {
	switch {
	case httpanswer.OK(status):
		return nil
	case httpanswer.Retryable(status):
		return fmt.Errorf("%s: HTTP %d%s", what, status, detail(body))
	}
	return fmt.Errorf("%w: %s: HTTP %d%s", ErrRejected, what, status, detail(body))
}

// detail is ServiceNow's error message ({"error": {"message", "detail"}})
// or the start of the body, as one short line for an error message.
func detail(body []byte) string {
	var e struct {
		Error struct {
			Message string `json:"message"`
			Detail  string `json:"detail"`
		} `json:"error"`
	}
	s := string(body)
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		s = e.Error.Message
		if e.Error.Detail != "" {
			s += " (" + e.Error.Detail + ")"
		}
	}
	if s = httpanswer.OneLine(s); s == "" {
		return ""
	}
	return ": " + s
}

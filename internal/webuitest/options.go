package webuitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
)

// DefaultChromium is the browser that SendUpdate runs when neither
// Options.Chromium nor the environment variable FLEETPATCH_CHROMIUM names one.
const DefaultChromium = "/usr/bin/chromium"

// Options says which workflow SendUpdate updates, with what, and how it runs
// the browser.
type Options struct {
	// UIURL is the Web UI's base URL, for example http://127.0.0.1:8233.
	UIURL string
	// Namespace is the workflow's namespace; empty means "default".
	Namespace string
	// WorkflowID is the workflow's ID.
	WorkflowID string
	// RunID selects a run; empty means the latest run, as the UI resolves it.
	RunID string
	// UpdateName is the name of the update, for example "approve".
	UpdateName string
	// Payload is the update's single JSON argument; empty sends none.
	Payload string
	// Chromium is the browser executable; empty means $FLEETPATCH_CHROMIUM,
	// then DefaultChromium.
	Chromium string
	// ScreenshotDir, when set, receives a full-page PNG and the page's HTML
	// whenever SendUpdate returns an error.
	ScreenshotDir string
}

// Result is what the UI showed after the update was submitted.
type Result struct {
	// Accepted is true when the UI closed the dialog and announced success,
	// false when the dialog stayed open with an error: the validator's
	// rejection, the handler's failure or the server's error.
	Accepted bool
	// Message is the text the UI showed: the success toast ("Update
	// successful") or the dialog's error.
	Message string
}

// pageURL is the workflow's page: /namespaces/<ns>/workflows/<id>, plus
// /<run>/history when a run is given. Without a run the UI redirects to the
// latest run's page.
func (o Options) pageURL() (string, error) {
	if o.UIURL == "" || o.WorkflowID == "" {
		return "", errors.New("webuitest: UIURL and WorkflowID are required")
	}
	base, err := url.Parse(strings.TrimRight(o.UIURL, "/"))
	if err != nil || base.Scheme == "" || base.Host == "" {
		return "", fmt.Errorf("webuitest: UIURL %q is not an absolute URL", o.UIURL)
	}
	ns := o.Namespace
	if ns == "" {
		ns = "default"
	}
	u := base.String() + "/namespaces/" + url.PathEscape(ns) + "/workflows/" + url.PathEscape(o.WorkflowID)
	if o.RunID != "" {
		u += "/" + url.PathEscape(o.RunID) + "/history"
	}
	return u, nil
}

// payload returns Payload on one line, which is what the editor must show
// after typing; the UI accepts a single JSON value only.
func (o Options) payload() (string, error) {
	if strings.TrimSpace(o.Payload) == "" {
		return "", nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(o.Payload)); err != nil {
		return "", fmt.Errorf("webuitest: Payload is not JSON: %w", err)
	}
	return b.String(), nil
}

// chromium is the browser executable to run.
func (o Options) chromium() string {
	if o.Chromium != "" {
		return o.Chromium
	}
	if p := os.Getenv("FLEETPATCH_CHROMIUM"); p != "" {
		return p
	}
	return DefaultChromium
}

// Package httpanswer reads the answers of other teams' HTTP services
// (notification webhooks, ServiceNow) the same way everywhere: which
// statuses a retry may help, and how a transport error or an answer goes
// into an error message without the URL (which may carry a secret) and as
// one short line.
package httpanswer

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode"
)

// maxLine bounds OneLine's result, in runes.
const maxLine = 200

// OK reports whether status is a success (2xx).
func OK(status int) bool { return status >= 200 && status < 300 }

// Retryable reports whether a retry may help a failed status: 408, 425,
// 429 and 5xx. Any other non-2xx status (3xx included: no redirect is
// followed) is a refusal.
func Retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooEarly ||
		status == http.StatusTooManyRequests || status >= 500
}

// TransportError strips the *url.Error around a client's error, whose
// text names the URL.
func TransportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// OneLine makes s one short line for an error message: control characters
// become spaces, runs of spaces one, and more than 200 runes end in "…".
func OneLine(s string) string {
	s = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)), " ")
	if r := []rune(s); len(r) > maxLine {
		s = string(r[:maxLine]) + "…"
	}
	return s
}

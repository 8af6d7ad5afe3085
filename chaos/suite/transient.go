package suite

import (
	"errors"
	"log/slog"
	"strings"

	"go.temporal.io/api/serviceerror"
)

var discard = slog.New(slog.DiscardHandler)

// transient reports whether a call failed only because the server (or
// the worker answering a query) is restarting: the call is tried again.
func transient(err error) bool {
	var unavailable *serviceerror.Unavailable
	var deadline *serviceerror.DeadlineExceeded
	if errors.As(err, &unavailable) || errors.As(err, &deadline) {
		return true
	}
	msg := err.Error()
	for _, s := range []string{"connection refused", "context deadline exceeded", "Unavailable", "unavailable", "EOF", "transport"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

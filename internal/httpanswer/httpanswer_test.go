package httpanswer

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestStatuses(t *testing.T) {
	for status, want := range map[int][2]bool{200: {true, false}, 204: {true, false}, 302: {false, false}, 400: {false, false},
		404: {false, false}, 408: {false, true}, 425: {false, true}, 429: {false, true}, 500: {false, true}, 503: {false, true}} {
		if OK(status) != want[0] || Retryable(status) != want[1] {
			t.Errorf("%d: OK %v Retryable %v, want %v", status, OK(status), Retryable(status), want)
		}
	}
}

func TestTransportErrorHidesTheURL(t *testing.T) {
	inner := errors.New("connection refused")
	err := TransportError(&url.Error{Op: "Post", URL: "https://hooks.example/secret-token", Err: inner})
	if err != inner || strings.Contains(err.Error(), "secret-token") {
		t.Errorf("got %v", err)
	}
	if other := errors.New("x"); TransportError(other) != other {
		t.Error("a plain error changed")
	}
}

func TestOneLine(t *testing.T) {
	if got := OneLine("  bad\r\n\trequest \x00 body "); got != "bad request body" {
		t.Errorf("got %q", got)
	}
	long := OneLine(strings.Repeat("é", 250))
	if r := []rune(long); len(r) != 201 || r[200] != '…' {
		t.Errorf("%d runes, last %q", len(r), r[len(r)-1])
	}
}

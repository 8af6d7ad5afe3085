package policy

import (
	"errors"
	"strings"
	"testing"
)

// errorLines parses data as the named file and returns its error lines
// (nil when valid).
func errorLines(t *testing.T, name, data string) []string {
	t.Helper()
	_, err := Parse(name, []byte(data))
	if err == nil {
		return nil
	}
	var list *Errors
	if !errors.As(err, &list) {
		t.Fatalf("Parse error is %T, want *Errors: %v", err, err)
	}
	return strings.Split(list.Error(), "\n")
}

// wantError fails unless one error line contains every fragment.
func wantError(t *testing.T, lines []string, fragments ...string) {
	t.Helper()
	for _, l := range lines {
		ok := true
		for _, f := range fragments {
			if !strings.Contains(l, f) {
				ok = false
				break
			}
		}
		if ok {
			return
		}
	}
	t.Errorf("no error line contains %q; got:\n%s", fragments, strings.Join(lines, "\n"))
}

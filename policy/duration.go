package policy

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

const day = 24 * time.Hour

// ParseDuration reads the policy-file form of a duration: Go units (h, m,
// s) with an optional leading day count, e.g. "90m", "4h", "7d", "1d12h".
// Negative durations are refused.
func ParseDuration(s string) (Duration, error) {
	bad := fmt.Errorf("%q is not a duration like 90m, 4h, 7d or 1d12h", s)
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, bad
	}
	if s == "0" {
		return 0, nil
	}
	var total time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || n < 0 || n > int64(1<<62/int64(day)) {
			return 0, bad
		}
		total = time.Duration(n) * day
		s = s[i+1:]
	}
	if s != "" {
		if s[0] == '-' || s[0] == '+' {
			return 0, bad
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || total > time.Duration(1<<62)-d {
			return 0, bad
		}
		total += d
	}
	return Duration(total), nil
}

// D returns the duration as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String prints the duration in the form ParseDuration reads, using days
// for whole days: "7d", "1d12h", "90m" prints as "1h30m".
func (d Duration) String() string {
	t := time.Duration(d)
	if t == 0 {
		return "0"
	}
	var b strings.Builder
	if t < 0 {
		b.WriteByte('-')
		t = -t
	}
	if days := t / day; days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		t -= days * day
	}
	if h := t / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		t -= h * time.Hour
	}
	if m := t / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
		t -= m * time.Minute
	}
	if t > 0 {
		b.WriteString(t.String())
	}
	return b.String()
}

// MarshalJSON writes the duration as its string form, e.g. "4h".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads the string form written by MarshalJSON.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("duration must be a string like \"4h\"")
	}
	v, err := ParseDuration(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

func (d *Duration) unmarshalNode(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

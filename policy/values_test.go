package policy

import (
	"encoding/json"
	"testing"
	"time"
)

func TestAmountOf(t *testing.T) {
	cases := []struct {
		in   string
		n    int
		want int
	}{
		{"1", 40, 1},
		{"5", 3, 5}, // a count is not capped by the group size
		{"10%", 40, 4},
		{"10%", 25, 3}, // 2.5 rounds up
		{"10%", 1, 1},  // a non-zero percentage of a non-empty group is at least 1
		{"0%", 100, 0},
		{"100%", 7, 7},
		{"12.5%", 8, 1},
		{"5%", 0, 0},
	}
	for _, c := range cases {
		a, err := ParseAmount(c.in)
		if err != nil {
			t.Fatalf("ParseAmount(%q): %v", c.in, err)
		}
		if got := a.Of(c.n); got != c.want {
			t.Errorf("%s of %d = %d, want %d", c.in, c.n, got, c.want)
		}
	}
	for _, bad := range []string{"150%", "-1", "x", "%", "1.5", "NaN%", "-5%"} {
		if _, err := ParseAmount(bad); err == nil {
			t.Errorf("ParseAmount(%q) accepted", bad)
		}
	}
	if _, err := ParseAmount("150%"); err == nil || err.Error() != `"150%" is not a count or a percentage up to 100%` {
		t.Errorf("message = %v", err)
	}
}

func TestDurationParseAndString(t *testing.T) {
	cases := map[string]time.Duration{
		"90m": 90 * time.Minute, "4h": 4 * time.Hour, "7d": 7 * day, "1d12h": 36 * time.Hour, "0": 0, "1h30m": 90 * time.Minute,
	}
	for in, want := range cases {
		d, err := ParseDuration(in)
		if err != nil || d.D() != want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", in, d.D(), err, want)
		}
		back, err := ParseDuration(d.String())
		if err != nil || back != d {
			t.Errorf("String %q does not parse back: %v", d.String(), err)
		}
	}
	for _, bad := range []string{"", "-1h", "d", "1x", "1d-2h", "7", "99999999999999d"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

// Amounts and durations travel in Temporal payloads as JSON, in their
// policy-file string forms.
func TestAmountDurationJSONRoundTrip(t *testing.T) {
	type payload struct {
		A, B Amount
		D    Duration
	}
	in := payload{A: Amount{Count: 3}, B: Amount{Percent: 12.5, IsPercent: true}, D: Duration(36 * time.Hour)}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"A":"3","B":"12.5%","D":"1d12h"}` {
		t.Errorf("JSON = %s", b)
	}
	var out payload
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("round trip = %+v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"A":5}`), &out); err != nil || out.A.Count != 5 {
		t.Errorf("number amount: %+v %v", out.A, err)
	}
	if err := json.Unmarshal([]byte(`{"A":"150%"}`), &out); err == nil {
		t.Error("150% accepted from JSON")
	}
}

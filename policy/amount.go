package policy

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// ParseAmount reads a count ("5") or a percentage ("10%", "12.5%") of a
// group's instances. Counts are whole and not negative; percentages lie
// between 0 and 100.
func ParseAmount(s string) (Amount, error) {
	bad := fmt.Errorf("%q is not a count or a percentage up to 100%%", s)
	t := strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(t, "%"); ok {
		f, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(f) || f < 0 || f > 100 {
			return Amount{}, bad
		}
		return Amount{Percent: f, IsPercent: true}, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 0 {
		return Amount{}, bad
	}
	return Amount{Count: n}, nil
}

// String prints the amount as ParseAmount reads it: "5" or "10%".
func (a Amount) String() string {
	if a.IsPercent {
		return strconv.FormatFloat(a.Percent, 'f', -1, 64) + "%"
	}
	return strconv.Itoa(a.Count)
}

// IsZero reports whether the amount resolves to nothing for any group.
func (a Amount) IsZero() bool {
	if a.IsPercent {
		return a.Percent == 0
	}
	return a.Count == 0
}

// MarshalJSON writes the amount in its string form, e.g. "10%" or "5".
func (a Amount) MarshalJSON() ([]byte, error) { return json.Marshal(a.String()) }

// UnmarshalJSON reads a number (5) or a string ("5", "10%").
func (a *Amount) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("%s is not a count or a percentage up to 100%%", b)
		}
		s = n.String()
	}
	v, err := ParseAmount(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

func (a *Amount) unmarshalNode(n *yaml.Node) error {
	v, err := ParseAmount(n.Value)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

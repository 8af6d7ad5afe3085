package fleet

import (
	"reflect"
	"testing"
)

func TestParseLivePatchCheck(t *testing.T) {
	for _, c := range []struct {
		out     string
		cves    []string
		covered bool
	}{
		{"fleetpatch-livepatch: covered CVE-2024-26925 CVE-2024-36971\n", []string{"CVE-2024-26925", "CVE-2024-36971"}, true},
		{"noise\nfleetpatch-livepatch: covered \n", nil, true},
		{"fleetpatch-livepatch: reboot\n", nil, false},
		{"pro: command not found\n", nil, false},
		{"", nil, false},
	} {
		cves, covered := ParseLivePatchCheck(c.out)
		if covered != c.covered || !reflect.DeepEqual(cves, c.cves) {
			t.Errorf("%q: got %v %v, want %v %v", c.out, cves, covered, c.cves, c.covered)
		}
	}
}

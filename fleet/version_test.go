package fleet_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestVersionBelow(t *testing.T) {
	for _, c := range []struct {
		v, min string
		below  bool
	}{
		{"3.3.1142.0", "3.0.0", false},
		{"2.3.1319.0", "3.0.0", true},
		{"2.0.700.0", "2.0.834.0", true},
		{"2.0.834.0", "2.0.834.0", false},
		{"3.0", "3.0.0", false},
		{"3.9", "3.10", true},
		{"3.10", "3.9", false},
		{"3", "3.0.1", true},
		{"10.0.0", "9.99.99", false},
		{"3.x.1", "3.0.0", true},
		{"", "3.0.0", true},
		{"2.7.1.0", "", false},
	} {
		assert.Equal(t, c.below, fleet.VersionBelow(c.v, c.min), "%q below %q", c.v, c.min)
	}
}

package policy

import (
	"strings"
	"testing"

	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestValidateLivePatch(t *testing.T) {
	with := func(reboot, v string) string {
		return strings.Replace(groupFile, "    reboot: NoReboot\n", "    reboot: "+reboot+"\n    livePatch: "+v+"\n", 1)
	}
	p, err := Parse("g.yaml", []byte(with("RebootIfNeeded", "deferReboot")))
	if err != nil {
		t.Fatalf("livePatch deferReboot refused: %v", err)
	}
	if g := p.Groups["g"]; !g.DefersLivePatchedReboots() {
		t.Errorf("livePatch = %q, reboot %q: does not defer", g.LivePatch, g.Reboot)
	}
	if _, err := Parse("g.yaml", []byte(with("RebootIfNeeded", "reboot"))); err != nil {
		t.Errorf("livePatch reboot refused: %v", err)
	}
	wantError(t, errorLines(t, "g.yaml", with("RebootIfNeeded", "skip")), "g.yaml:17: groups.g.livePatch:", `"skip" is not reboot or deferReboot`)
	wantError(t, errorLines(t, "g.yaml", with("NoReboot", "deferReboot")), "g.yaml:17: groups.g.livePatch:", "deferReboot needs reboot: RebootIfNeeded")
}

func TestLivePatchDefaultReboots(t *testing.T) {
	g := &Group{Reboot: fleet.RebootIfNeeded}
	if g.DefersLivePatchedReboots() {
		t.Error("a group without livePatch defers reboots")
	}
}

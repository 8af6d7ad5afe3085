package cloudsim

import (
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// runRebootScript answers the scripts a provider sends to defer
// live-patched reboots (fleet.LivePatchCheckScript and the
// reboot-if-required scripts), as the host would: the check reports
// whether the pending reboot is only for live-patched kernels and their
// CVEs (on Ubuntu, whose Pro client the check asks); the reboot script reboots a host that waits for a reboot (the SSM
// Agent's exit-194/3010 reboot, after which the script runs again, finds
// nothing to do and exits 0). ok is false for any other script. Callers
// hold m's lock.
func (f *Fleet) runRebootScript(fs *faultSet, m *machine, script string, now time.Time) (code int, output string, ok bool) {
	switch {
	case strings.HasPrefix(script, fleet.LivePatchCheckMarker):
		// The check reads Ubuntu Pro's APIs: other hosts answer "reboot".
		if m.rel.OS != fleet.OSUbuntu || !m.onlyLivePatched() {
			return 0, "fleetpatch-livepatch: reboot\n", true
		}
		return 0, "fleetpatch-livepatch: covered " + strings.Join(m.cvesOf(m.livePatched), " ") + "\n", true
	case strings.HasPrefix(script, fleet.RebootIfRequiredMarker):
		if m.pendingReboot != 0 && !m.rebooting() {
			f.startReboot(fs, m, now)
		}
		return 0, "fleetpatch-reboot: not required\n", true
	}
	return 0, "", false
}

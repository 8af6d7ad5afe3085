package policy

import "github.com/fleetpatch/fleetpatch/fleet"

// LivePatchOption says whether a group's installs reboot instances whose
// kernel update is already applied by live patches.
type LivePatchOption string

// Live-patch options.
const (
	// LivePatchReboot reboots as the group's reboot option says, live
	// patches or not (the default).
	LivePatchReboot LivePatchOption = "reboot"
	// LivePatchDeferReboot skips the reboot of an instance whose only
	// reboot-needing updates are kernel updates whose fixes live patches
	// (Canonical Livepatch, Amazon Linux kernel live patching) already
	// apply to the running kernel: the instance is reported live-patched
	// with its reboot deferred, and the new kernel runs after its next
	// reboot. Any other reboot-needing update still reboots it.
	LivePatchDeferReboot LivePatchOption = "deferReboot"
)

// DefersLivePatchedReboots reports whether the group's installs skip the
// reboot of live-patched instances.
func (g *Group) DefersLivePatchedReboots() bool {
	return g.LivePatch == LivePatchDeferReboot && g.Reboot == fleet.RebootIfNeeded
}

// validateLivePatch checks a group's livePatch: a known option, and
// deferReboot only where the group reboots at all.
func validateLivePatch(c *collector, path string, g *Group) {
	switch g.LivePatch {
	case "", LivePatchReboot:
	case LivePatchDeferReboot:
		if g.Reboot == fleet.NoReboot {
			c.add(path+".livePatch", "deferReboot needs reboot: RebootIfNeeded (with NoReboot the group never reboots)")
		}
	default:
		c.add(path+".livePatch", "%q is not reboot or deferReboot", g.LivePatch)
	}
}

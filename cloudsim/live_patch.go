package cloudsim

import (
	"slices"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Kernel live patching in the simulated fleet. A share of the Linux servers
// (Config.LivePatchShare) runs Canonical Livepatch (Ubuntu) or Amazon Linux
// kernel live patching (kpatch). On those, the fixes of a kernel update are
// applied to the running kernel as well, as long as that kernel is still
// within its live-patch support: Amazon publishes live patches for a kernel
// for about three months after its release and Canonical for a supported
// kernel's lifetime, so the catalog's oldest kernel of each release stands
// for one past support (its updates need the reboot). See
// https://docs.aws.amazon.com/linux/al2/ug/al2-live-patching.html and
// https://ubuntu.com/security/livepatch/docs/client/reference/platform/kernel-upgrade-recommendation/.
//
// An install asked to defer live-patched reboots (InstallRequest.
// DeferLivePatchedReboots) does not reboot an instance whose pending
// reboot is only for such kernels: the new kernel stays installed and
// pending (a later scan still reports InstalledPendingReboot, as the
// instance still runs the old kernel), and the result names the CVEs the
// live patches fix.

// livePatching reports whether the machine patches its kernel live.
func (f *Fleet) livePatching(m *machine) bool {
	switch m.static.OS {
	case fleet.OSUbuntu, fleet.OSAmazonLinux2, fleet.OSAmazonLinux2023:
		return chance(f.cfg.LivePatchShare, f.seed, "live-patch", m.static.ID)
	}
	return false
}

// liveCovers reports whether live patches apply the fixes of c's update to
// the machine's running kernel, at version index from.
func (f *Fleet) liveCovers(m *machine, c *component, from int8) bool {
	return c.LiveKernel && from > 0 && f.livePatching(m)
}

// onlyLivePatched reports whether the machine waits for a reboot only for
// live-patched kernels. Callers hold m's lock.
func (m *machine) onlyLivePatched() bool {
	return m.pendingReboot != 0 && m.pendingReboot&^m.livePatched == 0
}

// livePatchedCVEs lists, sorted, the CVEs of the changes that left a
// live-patched kernel pending. Callers hold m's lock.
func (m *machine) livePatchedCVEs(changes []fleet.PackageChange) []string {
	var bits uint64
	for _, c := range changes {
		if ci, ok := m.rel.byPatchID[c.PatchID]; ok && c.State == fleet.StateInstalledPendingReboot {
			bits |= uint64(1) << ci
		}
	}
	return m.cvesOf(bits & m.livePatched)
}

// cvesOf lists, sorted, the CVEs of the updates of the components whose
// bits are set. Callers hold m's lock.
func (m *machine) cvesOf(bits uint64) []string {
	var cves []string
	for ci := range m.rel.Components {
		if bits&(uint64(1)<<ci) != 0 && m.rel.Components[ci].Patch != nil {
			cves = append(cves, m.rel.Components[ci].Patch.CVEs...)
		}
	}
	slices.Sort(cves)
	return slices.Compact(cves)
}

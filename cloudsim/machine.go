package cloudsim

import (
	"maps"
	"sync"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// machine is one simulated server. static never changes after generation;
// everything else is guarded by mu (and the fleet's state lock, see
// Fleet.lock).
type machine struct {
	static fleet.Instance
	rel    *release

	mu sync.Mutex
	// installed holds, per component of rel, the index of the installed
	// version, or -1 when the package is not on the server.
	installed []int8
	// pendingReboot has bit i set when component i was updated and waits
	// for a reboot to take effect.
	pendingReboot uint64
	// livePatched has bit i set when component i (a kernel) waits for a
	// reboot that live patches made unnecessary for its fixes
	// (live_patch.go); always a subset of pendingReboot.
	livePatched uint64
	lastBoot    time.Time
	// rebootingUntil is when the reboot in progress ends (zero: none).
	rebootingUntil time.Time
	// rebootStarted is when the reboot in progress began.
	rebootStarted time.Time
	// rebootHung marks a reboot in progress that never returns.
	rebootHung bool
	lastScan   time.Time
	counters   Counters
	journal    journal
	// releaseMoves are the AL2023 release moves (al2023_releases.go).
	releaseMoves []ReleaseRecord
}

// Counters count what happened to one instance.
type Counters struct {
	// ScanAttempts counts scans that reached the instance; Scans those
	// that succeeded.
	ScanAttempts int `json:"scanAttempts,omitempty"`
	Scans        int `json:"scans,omitempty"`
	// InstallAttempts counts installs that ran on the instance; Installs
	// those that changed at least one package (a repeated install of the
	// same patches does not count).
	InstallAttempts int `json:"installAttempts,omitempty"`
	Installs        int `json:"installs,omitempty"`
	// Reboots counts reboots started.
	Reboots int `json:"reboots,omitempty"`
}

func (c *Counters) add(o Counters) {
	c.ScanAttempts += o.ScanAttempts
	c.Scans += o.Scans
	c.InstallAttempts += o.InstallAttempts
	c.Installs += o.Installs
	c.Reboots += o.Reboots
}

// settle completes a reboot whose time has come. Callers hold mu.
func (m *machine) settle(now time.Time) {
	if m.rebootingUntil.IsZero() || m.rebootHung || now.Before(m.rebootingUntil) {
		return
	}
	m.lastBoot = m.rebootingUntil
	m.rebootingUntil = time.Time{}
	m.rebootStarted = time.Time{}
	m.pendingReboot, m.livePatched = 0, 0
}

// rebooting reports whether a reboot is in progress. Callers hold mu and
// have settled.
func (m *machine) rebooting() bool { return !m.rebootingUntil.IsZero() }

// view is the instance as Discover shows it now. Callers hold mu.
func (m *machine) view(offline bool) fleet.Instance {
	i := m.static
	i.Tags = maps.Clone(m.static.Tags)
	i.LastBootTime = m.lastBoot
	i.Ping = fleet.PingOnline
	switch {
	case offline:
		i.Ping = fleet.PingConnectionLost
		i.Unreachable = offlineReason(m.static.Cloud)
	case m.rebootHung:
		i.Ping = fleet.PingConnectionLost
		i.Unreachable = "not responding since its reboot at " + m.rebootStarted.Format(time.RFC3339)
	case m.rebooting():
		i.Ping = fleet.PingConnectionLost
		i.Unreachable = "rebooting"
	}
	return i
}

// offlineReason is how each cloud reports an agent that is gone.
func offlineReason(c fleet.Cloud) string {
	if c == fleet.CloudAzure {
		return "VM agent status is Not Ready: the guest agent has not reported for over 15 minutes"
	}
	return "SSM Agent ConnectionLost: the agent has not reported for over 10 minutes"
}

// version returns the installed version of component c ("" if absent).
func (m *machine) version(c int) string {
	if v := m.installed[c]; v >= 0 {
		return m.rel.Components[c].Versions[v]
	}
	return ""
}

// missing lists the patches the instance misses and those installed but
// pending a reboot, in catalog order. Callers hold mu.
func (m *machine) missing(dst []fleet.PatchStatus) []fleet.PatchStatus {
	for ci := range m.rel.Components {
		c := &m.rel.Components[ci]
		v := m.installed[ci]
		if c.Patch == nil || v < 0 {
			continue
		}
		switch {
		case m.pendingReboot&(1<<ci) != 0:
			dst = append(dst, fleet.PatchStatus{PatchID: c.Patch.ID, State: fleet.StateInstalledPendingReboot, InstalledVersion: c.Versions[v]})
		case v < c.latest():
			dst = append(dst, fleet.PatchStatus{PatchID: c.Patch.ID, State: fleet.StateMissing, InstalledVersion: c.Versions[v]})
		}
	}
	return dst
}

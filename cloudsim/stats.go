package cloudsim

// Stats summarises what happened to the whole fleet.
type Stats struct {
	Instances int `json:"instances"`
	// Totals adds up every instance's counters.
	Totals Counters `json:"totals"`
	// InstancesScanned and InstancesInstalled count instances with at
	// least one successful scan or one install that changed something.
	InstancesScanned   int `json:"instancesScanned"`
	InstancesInstalled int `json:"instancesInstalled"`
	// MaxInstallsPerInstance is the highest Installs of any instance; a
	// cycle that installs each instance once keeps it at 1.
	MaxInstallsPerInstance int `json:"maxInstallsPerInstance"`
	PendingReboot          int `json:"pendingReboot"`
	Rebooting              int `json:"rebooting"`
	// Calls counts fleet calls (Discover, Scan, Install, WaitReady,
	// Inventory); Throttled those failed by throttling.
	Calls     uint64 `json:"calls"`
	Throttled int64  `json:"throttled"`
}

// Counters returns what happened to one instance.
func (f *Fleet) Counters(id string) (Counters, bool) {
	m := f.byID[id]
	if m == nil {
		return Counters{}, false
	}
	f.lock(m)
	defer f.unlock(m)
	return m.counters, true
}

// InstallCount returns how many installs changed something on the instance
// (0 for an unknown ID).
func (f *Fleet) InstallCount(id string) int {
	c, _ := f.Counters(id)
	return c.Installs
}

// ScanCount returns how many scans of the instance succeeded.
func (f *Fleet) ScanCount(id string) int {
	c, _ := f.Counters(id)
	return c.Scans
}

// Stats returns the fleet's totals.
func (f *Fleet) Stats() Stats {
	now := f.clock.Now()
	s := Stats{Instances: len(f.machines), Calls: f.calls.Load(), Throttled: f.throttledCalls.Load()}
	for _, m := range f.machines {
		f.lock(m)
		m.settle(now)
		c := m.counters
		if m.pendingReboot != 0 {
			s.PendingReboot++
		}
		if m.rebooting() {
			s.Rebooting++
		}
		f.unlock(m)
		s.Totals.add(c)
		if c.Scans > 0 {
			s.InstancesScanned++
		}
		if c.Installs > 0 {
			s.InstancesInstalled++
		}
		s.MaxInstallsPerInstance = max(s.MaxInstallsPerInstance, c.Installs)
	}
	return s
}

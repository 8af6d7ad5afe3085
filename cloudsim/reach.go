package cloudsim

import "time"

// reach delivers a command (op: "scan", "install") to an instance: it
// returns the instance locked and settled at now, or nil and why the
// command could not be delivered (unknown, agent offline, a reboot that
// never returned, rebooting). The caller unlocks a returned machine.
func (f *Fleet) reach(fs *faultSet, id, op string, now time.Time) (*machine, string) {
	m := f.byID[id]
	if m == nil {
		return nil, errNotFound(id)
	}
	if fs.isOffline(f.seed, id) {
		return nil, op + " not delivered: " + offlineReason(m.static.Cloud)
	}
	f.lock(m)
	m.settle(now)
	switch {
	case m.rebootHung:
		why := op + " not delivered: instance not responding since its reboot at " + m.rebootStarted.Format(time.RFC3339)
		f.unlock(m)
		return nil, why
	case m.rebooting():
		f.unlock(m)
		return nil, op + " not delivered: instance is rebooting"
	}
	return m, ""
}

package cloudsim

import (
	"context"
	"fmt"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// startReboot starts a reboot now; it ends after Timing.Reboot, unless the
// reboot-hang fault makes it never end. Callers hold the instance lock.
func (f *Fleet) startReboot(fs *faultSet, m *machine, now time.Time) {
	m.counters.Reboots++
	m.rebootStarted = now
	m.rebootingUntil = now.Add(f.timing.Reboot)
	m.rebootHung = fs.rebootHangs(f.seed, m.static.ID, m.counters.Reboots)
	m.settle(now)
}

// Reboot restarts the instances now (as an operator would), whether or not
// they need it; instances that are unknown, offline or already rebooting are
// skipped and returned in the error.
func (f *Fleet) Reboot(instanceIDs []string) error {
	fs := f.faults.Load()
	now := f.clock.Now()
	var skipped []string
	for _, id := range instanceIDs {
		m := f.byID[id]
		if m == nil || fs.isOffline(f.seed, id) {
			skipped = append(skipped, id)
			continue
		}
		f.lock(m)
		m.settle(now)
		if m.rebooting() {
			skipped = append(skipped, id)
		} else {
			f.startReboot(fs, m, now)
		}
		f.unlock(m)
	}
	if len(skipped) > 0 {
		return fmt.Errorf("cloudsim: not rebooted (unknown, offline or rebooting): %v", skipped)
	}
	return nil
}

// Recover ends a reboot that never returned: the instance is back now.
func (f *Fleet) Recover(id string) bool {
	m := f.byID[id]
	if m == nil {
		return false
	}
	now := f.clock.Now()
	f.lock(m)
	defer f.unlock(m)
	if !m.rebootHung {
		return false
	}
	m.rebootHung = false
	m.rebootingUntil = now
	m.settle(now)
	return true
}

// WaitReady waits until the instances are back after a reboot, until ctx
// ends, or, for a reboot that never returns, Timing.RebootMaxWait. An
// instance not rebooting is ready at once; those not back, offline or
// unknown are reported with Ready false and an error. The call itself
// fails only when throttled.
func (f *Fleet) WaitReady(ctx context.Context, instanceIDs []string, progress fleet.Progress) ([]fleet.RebootOutcome, error) {
	if err := f.throttle("WaitReady"); err != nil {
		return nil, err
	}
	fs := f.faults.Load()
	start := f.clock.Now()
	out := make([]fleet.RebootOutcome, len(instanceIDs))
	steps := make([]step, len(instanceIDs))
	for i, id := range instanceIDs {
		at := start
		if m := f.byID[id]; m != nil {
			f.lock(m)
			m.settle(start)
			switch {
			case m.rebootHung:
				at = start.Add(f.timing.RebootMaxWait)
			case m.rebooting():
				at = m.rebootingUntil
			}
			f.unlock(m)
		}
		steps[i] = step{at: at, index: i}
	}
	done, err := f.runSteps(ctx, steps, func(i int, now time.Time) {
		out[i] = f.readiness(fs, instanceIDs[i], now, start)
	}, progress)
	if err != nil {
		now := f.clock.Now()
		for _, s := range steps[done:] {
			out[s.index] = f.readiness(fs, instanceIDs[s.index], now, start)
			if !out[s.index].Ready {
				out[s.index].Error += " (stopped waiting: " + err.Error() + ")"
			}
		}
	}
	return out, nil
}

// readiness reports whether one instance is back now.
func (f *Fleet) readiness(fs *faultSet, id string, now, waitStart time.Time) fleet.RebootOutcome {
	out := fleet.RebootOutcome{InstanceID: id}
	m := f.byID[id]
	if m == nil {
		out.Error = errNotFound(id)
		return out
	}
	f.lock(m)
	defer f.unlock(m)
	m.settle(now)
	out.LastBootTime = m.lastBoot
	switch {
	case fs.isOffline(f.seed, id):
		out.Error = offlineReason(m.static.Cloud)
	case m.rebootHung:
		out.Error = fmt.Sprintf("instance did not come back after its reboot at %s (waited %s)",
			m.rebootStarted.Format(time.RFC3339), now.Sub(waitStart))
	case m.rebooting():
		out.Error = "instance is still rebooting"
	default:
		out.Ready = true
	}
	return out
}

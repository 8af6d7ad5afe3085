package cloudsim

import (
	"context"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Install installs, on each instance, exactly the requested patches and
// nothing else, moving each package from its installed version to the
// patch's. The instances of the batch install in parallel; each takes
// Timing.InstallPerPackage per package it really installs (plus the slow
// install delay when that fault applies), and an instance that is
// rebooting starts once it is back.
//
// An instance's install is all or nothing in time: it is applied at once
// when its time comes, so when ctx ends the instances already done are
// reported with their changes and the others are untouched and reported
// with an error (the partial result is returned with ctx's error). An
// instance that would not finish by req.Deadline is not installed and is
// reported failed once the deadline passes.
//
// Installing a patch already installed is a no-op reported Installed; a
// patch ID that does not apply to the instance (another OS, or a package
// the server does not have) is reported NotApplicable. Updates that need a
// reboot leave the instance pending reboot (InstalledPendingReboot); with
// RebootIfNeeded the instance then reboots, which takes Timing.Reboot,
// unless the request defers live-patched reboots and live patches cover
// every update it waits for (live_patch.go).
// The patch definitions of req.Patches are not needed: the fleet knows its
// catalogs and installs by patch ID.
//
// Every instance's outcome, delivered or not, goes into its journal (see
// Journal); a throttled call reaches no instance and records nothing.
func (f *Fleet) Install(ctx context.Context, req fleet.InstallRequest, progress fleet.Progress) (fleet.InstallResult, error) {
	if err := ctx.Err(); err != nil {
		return fleet.InstallResult{}, err
	}
	if err := f.throttle("Install"); err != nil {
		return fleet.InstallResult{}, err
	}
	fs := f.faults.Load()
	start := f.clock.Now()
	call := newInstallCall(req)
	res := fleet.InstallResult{Instances: make([]fleet.InstanceInstall, len(req.Instances))}
	steps := make([]step, len(req.Instances))
	late := make([]bool, len(req.Instances))
	for i, ir := range req.Instances {
		at := f.readyAt(ir.InstanceID, start).
			Add(time.Duration(f.toInstall(ir)) * f.timing.InstallPerPackage).
			Add(fs.slowDelay(f.seed, ir.InstanceID))
		if !req.Deadline.IsZero() && at.After(req.Deadline) {
			at, late[i] = later(start, req.Deadline), true
		}
		steps[i] = step{at: at, index: i}
	}
	done, err := f.runSteps(ctx, steps, func(i int, now time.Time) {
		if late[i] {
			res.Instances[i] = f.missedDeadline(call, req.Instances[i], req.Deadline, start)
			return
		}
		res.Instances[i] = f.installOne(fs, call, req.Instances[i], now)
	}, progress)
	if err != nil {
		for _, s := range steps[done:] {
			res.Instances[s.index] = fleet.InstanceInstall{
				InstanceID: req.Instances[s.index].InstanceID,
				Error:      "install cancelled before it finished (" + err.Error() + "): nothing was installed on this instance",
			}
			f.journalMiss(call, res.Instances[s.index], OutcomeCancelled)
		}
		return res, err
	}
	return res, nil
}

// toInstall counts the requested patches the instance still misses.
func (f *Fleet) toInstall(ir fleet.InstanceInstallRequest) int {
	m := f.byID[ir.InstanceID]
	if m == nil {
		return 0
	}
	f.lock(m)
	defer f.unlock(m)
	n := 0
	for _, id := range ir.PatchIDs {
		if ci, ok := m.rel.byPatchID[id]; ok && m.installed[ci] >= 0 && m.installed[ci] < m.rel.Components[ci].latest() {
			n++
		}
	}
	return n
}

// missedDeadline reports an instance whose install would not have finished
// by the deadline; nothing was installed.
func (f *Fleet) missedDeadline(call installCall, ir fleet.InstanceInstallRequest, deadline, start time.Time) fleet.InstanceInstall {
	out := fleet.InstanceInstall{
		InstanceID: ir.InstanceID,
		Error: "install did not finish by the deadline " + deadline.Format(time.RFC3339) +
			" (started " + start.Format(time.RFC3339) + "): stopped, nothing was installed on this instance",
	}
	m := f.byID[ir.InstanceID]
	if m == nil {
		return out
	}
	f.lock(m)
	defer f.unlock(m)
	for _, id := range ir.PatchIDs {
		ci, ok := m.rel.byPatchID[id]
		if !ok || m.installed[ci] < 0 {
			continue
		}
		c := &m.rel.Components[ci]
		out.Changes = append(out.Changes, fleet.PackageChange{
			PatchID: id, Name: c.Name, FromVersion: m.version(ci), ToVersion: m.version(ci),
			State: fleet.StateFailed, Error: "not installed: the maintenance window deadline passed",
		})
	}
	m.journalInstall(call, out, OutcomeMissedDeadline)
	return out
}

// installOne applies the install on one instance at once and journals it.
func (f *Fleet) installOne(fs *faultSet, call installCall, ir fleet.InstanceInstallRequest, now time.Time) fleet.InstanceInstall {
	id := ir.InstanceID
	out := fleet.InstanceInstall{InstanceID: id}
	m, reason := f.reach(fs, id, "install", now)
	if m == nil {
		// Not delivered: the instance is unreachable (agent offline, hung or
		// rebooting), unless it is not the fleet's at all.
		out.Error, out.Unreachable = reason, reason != errNotFound(id)
		f.journalMiss(call, out, OutcomeNotDelivered)
		return out
	}
	defer f.unlock(m)
	// Deferred after the unlock, so it runs first: the journal and the
	// install are one point in time for Save.
	defer func() { m.journalInstall(call, out, outcomeOf(out)) }()
	m.counters.InstallAttempts++
	changed := false
	out.Changes = make([]fleet.PackageChange, 0, len(ir.PatchIDs))
	for _, pid := range ir.PatchIDs {
		ci, ok := m.rel.byPatchID[pid]
		if !ok || m.installed[ci] < 0 {
			out.Changes = append(out.Changes, fleet.PackageChange{PatchID: pid, Name: f.patchName(pid), State: fleet.StateNotApplicable})
			continue
		}
		c := &m.rel.Components[ci]
		from := m.version(ci)
		change := fleet.PackageChange{PatchID: pid, Name: c.Name, FromVersion: from, ToVersion: from, State: fleet.StateInstalled}
		bit := uint64(1) << ci
		switch {
		case m.installed[ci] == c.latest():
			if m.pendingReboot&bit != 0 {
				change.State = fleet.StateInstalledPendingReboot
			}
		default:
			if pf, fails := fs.installFailure(f.seed, id, m.counters.InstallAttempts, c); fails {
				change.State, change.Error = fleet.StateFailed, installError(pf, m.rel, c)
				break
			}
			running := m.installed[ci]
			m.installed[ci] = c.latest()
			change.ToVersion = m.version(ci)
			changed = true
			if c.Patch.RequiresReboot {
				if m.pendingReboot&bit == 0 && f.liveCovers(m, c, running) {
					m.livePatched |= bit
				}
				m.pendingReboot |= bit
				change.State = fleet.StateInstalledPendingReboot
			}
		}
		out.Changes = append(out.Changes, change)
	}
	if changed {
		m.counters.Installs++
	}
	out.RebootRequired = m.pendingReboot != 0
	if m.onlyLivePatched() && call.deferLivePatched && call.reboot == fleet.RebootIfNeeded {
		// No reboot; reported deferred when this install left a live-patched
		// kernel pending (an earlier cycle's deferral is not this one's).
		if cves := m.livePatchedCVEs(out.Changes); len(cves) > 0 {
			out.RebootDeferred, out.LivePatchedCVEs = true, cves
		}
	} else if out.RebootRequired && call.reboot == fleet.RebootIfNeeded {
		f.startReboot(fs, m, now)
		out.Rebooted = true
	}
	return out
}

// patchName names a patch ID that does not apply to an instance, from any
// catalog ("" when unknown).
func (f *Fleet) patchName(id string) string {
	for _, r := range f.cat.releases {
		if ci, ok := r.byPatchID[id]; ok {
			return r.Components[ci].Name
		}
	}
	return ""
}

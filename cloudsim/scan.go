package cloudsim

import (
	"context"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Scan looks for applicable updates on the instances: every update whose
// package is older than the catalog's, and every update installed but
// waiting for a reboot. The batch scans in parallel and takes Timing.Scan
// (an instance that is rebooting is scanned once it is back). Per-instance
// failures (unknown ID, agent offline, scan failure) are reported in the
// result. When ctx ends, the instances not yet scanned are reported with
// an error and ctx's error is returned with the partial result.
func (f *Fleet) Scan(ctx context.Context, instanceIDs []string, progress fleet.Progress) (fleet.ScanResult, error) {
	if err := ctx.Err(); err != nil {
		return fleet.ScanResult{}, err
	}
	if err := f.throttle("Scan"); err != nil {
		return fleet.ScanResult{}, err
	}
	start := f.clock.Now()
	res := fleet.ScanResult{Instances: make([]fleet.InstanceScan, len(instanceIDs))}
	steps := make([]step, len(instanceIDs))
	for i, id := range instanceIDs {
		steps[i] = step{at: f.readyAt(id, start).Add(f.timing.Scan), index: i}
	}
	fs := f.faults.Load()
	seen := make(map[string]bool)
	done, err := f.runSteps(ctx, steps, func(i int, now time.Time) {
		res.Instances[i] = f.scanOne(fs, instanceIDs[i], now, &res.Catalog, seen)
	}, progress)
	if err != nil {
		for _, s := range steps[done:] {
			res.Instances[s.index] = fleet.InstanceScan{InstanceID: instanceIDs[s.index], Error: "scan cancelled before it finished: " + err.Error()}
		}
		return res, err
	}
	return res, nil
}

// readyAt is when the instance can take a command: now, or the end of the
// reboot in progress.
func (f *Fleet) readyAt(id string, now time.Time) time.Time {
	m := f.byID[id]
	if m == nil {
		return now
	}
	f.lock(m)
	defer f.unlock(m)
	m.settle(now)
	if m.rebooting() && !m.rebootHung {
		return later(now, m.rebootingUntil)
	}
	return now
}

// scanOne scans one instance and adds the patches it reports to catalog.
func (f *Fleet) scanOne(fs *faultSet, id string, now time.Time, catalog *[]fleet.Patch, seen map[string]bool) fleet.InstanceScan {
	out := fleet.InstanceScan{InstanceID: id, ScannedAt: now}
	m, reason := f.reach(fs, id, "scan", now)
	if m == nil {
		out.Error = reason
		return out
	}
	defer f.unlock(m)
	m.counters.ScanAttempts++
	if fs.scanFails(f.seed, id, m.counters.ScanAttempts) {
		out.Error = scanError(m.rel.OS)
		return out
	}
	m.counters.Scans++
	m.lastScan = now
	out.Patches = m.missing(nil)
	out.PendingReboot = m.pendingReboot != 0
	if out.ReleaseVersion = m.releaseVersion(f.seed); out.ReleaseVersion != "" {
		out.LatestReleaseVersion = LatestAL2023Release()
	}
	for _, p := range out.Patches {
		if !seen[p.PatchID] {
			seen[p.PatchID] = true
			*catalog = append(*catalog, clonePatch(m.rel.Components[m.rel.byPatchID[p.PatchID]].Patch))
		}
	}
	return out
}

// scanError is the scanner's error text for a failed scan.
func scanError(os fleet.OSFamily) string {
	switch os {
	case fleet.OSUbuntu:
		return "scan failed: E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 2314 (unattended-upgr)"
	case fleet.OSWindows:
		return "scan failed: Windows Update search returned error 0x8024402C (WU_E_PT_WINHTTP_NAME_NOT_RESOLVED)"
	default:
		return "scan failed: Error: Failed to download metadata for repo 'amazonlinux': Cannot download repomd.xml: Curl error (28): Timeout was reached"
	}
}

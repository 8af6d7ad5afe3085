package cloudsim

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Faults are the failures the fleet injects, set in Config.Faults or at
// runtime with SetFaults, and saved with the fleet. Rates are shares from 0
// to 1; which instance a rate hits is decided by hashing the fleet's seed
// with the instance ID (and, for per-attempt faults, that instance's attempt
// count), so the same operations give the same outcomes.
type Faults struct {
	// OfflineRate and OfflineInstances: agents that are offline. Discover
	// shows them with Ping ConnectionLost and an Unreachable reason; Scan,
	// Install and WaitReady report an error for them. The rate picks a
	// fixed share of the fleet.
	OfflineRate      float64  `json:"offlineRate,omitempty"`
	OfflineInstances []string `json:"offlineInstances,omitempty"`

	// ScanFailureRate and ScanFailureInstances: scans that fail on an
	// instance. The rate applies to each scan attempt, so a retry may
	// succeed; named instances always fail.
	ScanFailureRate      float64  `json:"scanFailureRate,omitempty"`
	ScanFailureInstances []string `json:"scanFailureInstances,omitempty"`

	// InstallFailures: packages whose install fails.
	InstallFailures []PackageFailure `json:"installFailures,omitempty"`

	// RebootHangRate and RebootHangInstances: reboots that never return
	// (until Recover). The rate applies to each reboot.
	RebootHangRate      float64  `json:"rebootHangRate,omitempty"`
	RebootHangInstances []string `json:"rebootHangInstances,omitempty"`

	// SlowInstallRate and SlowInstallInstances: instances whose installs
	// take SlowInstallDelay longer than normal, so that they miss an
	// InstallRequest.Deadline. The rate picks a fixed share of the fleet.
	SlowInstallRate      float64  `json:"slowInstallRate,omitempty"`
	SlowInstallInstances []string `json:"slowInstallInstances,omitempty"`
	// SlowInstallDelay is the extra time; 0 means 3 hours.
	SlowInstallDelay time.Duration `json:"slowInstallDelay,omitempty"`

	// ThrottleRate is the share of fleet calls that fail with an error
	// wrapping fleet.ErrThrottled (decided per call, in call order).
	ThrottleRate float64 `json:"throttleRate,omitempty"`
	// ThrottleNextCalls makes the next N calls fail throttled; Faults()
	// reports how many are left.
	ThrottleNextCalls int `json:"throttleNextCalls,omitempty"`
}

// PackageFailure makes the install of one package fail.
type PackageFailure struct {
	// Package is a package name (Linux), a Windows update slot name, a
	// patch ID or KB, or "*" for every package: its Rate is then drawn
	// once per instance and install attempt, and a hit fails every
	// package of that attempt (a package manager that is broken there).
	Package string `json:"package"`
	// Instances limits the failure to these instances, where it always
	// happens. With none, Rate applies to every install attempt of the
	// package anywhere (0 means always).
	Instances []string `json:"instances,omitempty"`
	Rate      float64  `json:"rate,omitempty"`
	// Message replaces the package manager's error text.
	Message string `json:"message,omitempty"`
}

// AnyPackage is the PackageFailure.Package that matches every package.
const AnyPackage = "*"

// DefaultSlowInstallDelay is the extra install time of a slow instance.
const DefaultSlowInstallDelay = 3 * time.Hour

// faultSet is Faults compiled for fast lookups.
type faultSet struct {
	Faults
	offline, scanFail, rebootHang, slow map[string]bool
}

func compileFaults(f Faults) *faultSet {
	f.ThrottleNextCalls = 0
	if f.SlowInstallDelay <= 0 {
		f.SlowInstallDelay = DefaultSlowInstallDelay
	}
	return &faultSet{
		Faults:     f,
		offline:    setOf(f.OfflineInstances),
		scanFail:   setOf(f.ScanFailureInstances),
		rebootHang: setOf(f.RebootHangInstances),
		slow:       setOf(f.SlowInstallInstances),
	}
}

func setOf(ids []string) map[string]bool {
	s := make(map[string]bool, len(ids))
	for _, id := range ids {
		s[id] = true
	}
	return s
}

// SetFaults replaces the injected faults; ThrottleNextCalls restarts the
// countdown of throttled calls.
func (f *Fleet) SetFaults(fs Faults) {
	fs = cloneFaults(fs)
	f.faults.Store(compileFaults(fs))
	f.throttleLeft.Store(int64(max(fs.ThrottleNextCalls, 0)))
}

// Faults returns the injected faults, with the throttled calls left.
func (f *Fleet) Faults() Faults {
	fs := cloneFaults(f.faults.Load().Faults)
	fs.ThrottleNextCalls = int(max(f.throttleLeft.Load(), 0))
	return fs
}

// ThrottleNext makes the next n fleet calls fail throttled (0 stops the
// countdown).
func (f *Fleet) ThrottleNext(n int) { f.throttleLeft.Store(int64(max(n, 0))) }

func cloneFaults(fs Faults) Faults {
	fs.OfflineInstances = slices.Clone(fs.OfflineInstances)
	fs.ScanFailureInstances = slices.Clone(fs.ScanFailureInstances)
	fs.RebootHangInstances = slices.Clone(fs.RebootHangInstances)
	fs.SlowInstallInstances = slices.Clone(fs.SlowInstallInstances)
	fs.InstallFailures = slices.Clone(fs.InstallFailures)
	for i := range fs.InstallFailures {
		fs.InstallFailures[i].Instances = slices.Clone(fs.InstallFailures[i].Instances)
	}
	return fs
}

// throttle counts a fleet call and fails it when throttling applies.
func (f *Fleet) throttle(op string) error {
	seq := f.calls.Add(1)
	for {
		left := f.throttleLeft.Load()
		if left <= 0 {
			break
		}
		if f.throttleLeft.CompareAndSwap(left, left-1) {
			return f.throttled(op)
		}
	}
	if chance(f.faults.Load().ThrottleRate, f.seed, "throttle", strconv.FormatUint(seq, 10)) {
		return f.throttled(op)
	}
	return nil
}

func (f *Fleet) throttled(op string) error {
	f.throttledCalls.Add(1)
	return fmt.Errorf("cloudsim: %s: ThrottlingException: Rate exceeded: %w", op, fleet.ErrThrottled)
}

// isOffline reports whether the instance's agent is offline.
func (fs *faultSet) isOffline(seed int64, id string) bool {
	return fs.offline[id] || chance(fs.OfflineRate, seed, "offline", id)
}

// scanFails reports whether this scan attempt fails.
func (fs *faultSet) scanFails(seed int64, id string, attempt int) bool {
	return fs.scanFail[id] || chance(fs.ScanFailureRate, seed, "scan-failure", id, strconv.Itoa(attempt))
}

// rebootHangs reports whether this reboot never returns.
func (fs *faultSet) rebootHangs(seed int64, id string, reboot int) bool {
	return fs.rebootHang[id] || chance(fs.RebootHangRate, seed, "reboot-hang", id, strconv.Itoa(reboot))
}

// slowDelay is the extra install time of the instance.
func (fs *faultSet) slowDelay(seed int64, id string) time.Duration {
	if fs.slow[id] || chance(fs.SlowInstallRate, seed, "slow-install", id) {
		return fs.SlowInstallDelay
	}
	return 0
}

// installFailure returns the failure configured for this package on this
// instance and install attempt, if any.
func (fs *faultSet) installFailure(seed int64, id string, attempt int, c *component) (PackageFailure, bool) {
	for _, pf := range fs.InstallFailures {
		if pf.Package != AnyPackage && pf.Package != c.Name && (c.Patch == nil || (pf.Package != c.Patch.ID && pf.Package != c.Patch.KB)) {
			continue
		}
		if len(pf.Instances) > 0 {
			if slices.Contains(pf.Instances, id) {
				return pf, true
			}
			continue
		}
		if pf.Rate == 0 || chance(pf.Rate, seed, "install-failure", pf.Package, id, strconv.Itoa(attempt)) {
			return pf, true
		}
	}
	return PackageFailure{}, false
}

// installError is the package manager's error text for a failed install.
func installError(pf PackageFailure, rel *release, c *component) string {
	if pf.Message != "" {
		return pf.Message
	}
	switch rel.OS {
	case fleet.OSUbuntu:
		return "E: Sub-process /usr/bin/dpkg returned an error code (1): installed " + c.Name + " package post-installation script subprocess returned error exit status 1"
	case fleet.OSWindows:
		return "Installation Failure: Windows failed to install the following update with error 0x80070643: " + c.Patch.Name
	default:
		return "Error in PREIN scriptlet in rpm package " + c.Name + "-" + c.Versions[len(c.Versions)-1] + ": error: install: %prein scriptlet failed, exit status 1"
	}
}

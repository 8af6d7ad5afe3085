package workflows

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// fakeProvider is a small in-memory fleet for workflow unit tests: every
// instance runs Ubuntu and misses the same two security updates.
type fakeProvider struct {
	mu       sync.Mutex
	insts    []fleet.Instance
	patches  map[string]fleet.Patch
	missing  map[string]map[string]bool // instance -> patch IDs
	pending  map[string]bool            // instance -> pending reboot
	versions map[string]map[string]string
	// failInstall makes installs fail on these instances.
	failInstall map[string]bool
	// installs counts, per instance, installs that changed something.
	installs map[string]int
	// calls counts instances per provider call.
	calls []string
	// failScanOf fails every scan call that names this instance.
	failScanOf string
	// failVerify fails every scan call that names an installed instance.
	failVerify bool
	// attempted lists every instance an install call named, in order.
	attempted []string
	// gateAt, when set, holds every install call until the calls under
	// way name gateAt instances (or gateWait passes), then lets all go on;
	// inFlight/maxInFlight count the instances of the calls under way.
	gateAt                int64
	gate                  chan struct{}
	gateOnce              sync.Once
	inFlight, maxInFlight atomic.Int64
	// firing are the names of the alarms that fire.
	firing map[string]bool
}

var _ fleet.HealthProber = (*fakeProvider)(nil)

// gateWait bounds how long a gated install waits for the others: only a
// rollout that never has gateAt instances in flight waits it out.
const gateWait = 10 * time.Second

var (
	patchOpenSSL = fleet.Patch{ID: "openssl:3.0.2-0ubuntu1.18", Name: "openssl", Version: "3.0.2-0ubuntu1.18", OS: fleet.OSUbuntu,
		Priority: "Required", Section: "utils", Product: "Ubuntu22.04", Repository: "jammy-security",
		CVEs: []string{"CVE-2026-0001"}, ReleaseDate: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	patchKernel = fleet.Patch{ID: "linux-image-generic:5.15.0.130.128", Name: "linux-image-generic", Version: "5.15.0.130.128",
		OS: fleet.OSUbuntu, Priority: "Optional", Section: "kernel", Product: "Ubuntu22.04", Repository: "jammy-security",
		RequiresReboot: true, ReleaseDate: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)}
)

func newFakeProvider(n int, group string) *fakeProvider {
	f := &fakeProvider{patches: map[string]fleet.Patch{patchOpenSSL.ID: patchOpenSSL, patchKernel.ID: patchKernel},
		missing: map[string]map[string]bool{}, pending: map[string]bool{}, versions: map[string]map[string]string{},
		failInstall: map[string]bool{}, installs: map[string]int{}}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("i-%04d", i)
		f.insts = append(f.insts, fleet.Instance{ID: id, Cloud: fleet.CloudAWS, Account: "111111111111", Region: "eu-west-1",
			Name: fmt.Sprintf("web-%d", i), OS: fleet.OSUbuntu, OSVersion: "22.04", Platform: "Linux",
			Tags: map[string]string{"PatchGroup": group}, Ping: fleet.PingOnline})
		f.missing[id] = map[string]bool{patchOpenSSL.ID: true, patchKernel.ID: true}
		f.versions[id] = map[string]string{"openssl": "3.0.2-0ubuntu1.15", "linux-image-generic": "5.15.0.120.118"}
	}
	return f
}

func (f *fakeProvider) record(op string, n int) {
	f.calls = append(f.calls, fmt.Sprintf("%s:%d", op, n))
}

func (f *fakeProvider) Discover(_ context.Context, sel fleet.Selector) ([]fleet.Instance, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fleet.Instance
	for _, i := range f.insts {
		if sel.Matches(i) {
			out = append(out, i)
		}
	}
	return out, nil
}

func (f *fakeProvider) Scan(_ context.Context, ids []string, _ fleet.Progress) (fleet.ScanResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(ids) > fleet.MaxBatch {
		return fleet.ScanResult{}, fleet.ErrTooManyInstances
	}
	f.record("scan", len(ids))
	for _, id := range ids {
		if id == f.failScanOf || (f.failVerify && f.installs[id] > 0) {
			return fleet.ScanResult{}, fmt.Errorf("scan of %s: connection reset by peer (injected)", id)
		}
	}
	res := fleet.ScanResult{Catalog: []fleet.Patch{patchKernel, patchOpenSSL}}
	for _, id := range ids {
		s := fleet.InstanceScan{InstanceID: id, PendingReboot: f.pending[id]}
		var pids []string
		for p := range f.missing[id] {
			pids = append(pids, p)
		}
		sort.Strings(pids)
		for _, p := range pids {
			s.Patches = append(s.Patches, fleet.PatchStatus{PatchID: p, State: fleet.StateMissing,
				InstalledVersion: f.versions[id][f.patches[p].Name]})
		}
		res.Instances = append(res.Instances, s)
	}
	return res, nil
}

func (f *fakeProvider) Install(_ context.Context, req fleet.InstallRequest, _ fleet.Progress) (fleet.InstallResult, error) {
	if f.gateAt > 0 && len(req.Instances) > 1 { // the canary goes alone
		n := f.inFlight.Add(int64(len(req.Instances)))
		for m := f.maxInFlight.Load(); n > m && !f.maxInFlight.CompareAndSwap(m, n); m = f.maxInFlight.Load() {
		}
		if n >= f.gateAt {
			f.gateOnce.Do(func() { close(f.gate) })
		}
		select {
		case <-f.gate:
		case <-time.After(gateWait):
		}
		f.inFlight.Add(-int64(len(req.Instances)))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(req.Instances) > fleet.MaxBatch {
		return fleet.InstallResult{}, fleet.ErrTooManyInstances
	}
	f.record("install", len(req.Instances))
	var res fleet.InstallResult
	for _, r := range req.Instances {
		f.attempted = append(f.attempted, r.InstanceID)
		ir := fleet.InstanceInstall{InstanceID: r.InstanceID}
		if f.failInstall[r.InstanceID] {
			ir.Error = "dpkg: error processing package (injected)"
			res.Instances = append(res.Instances, ir)
			continue
		}
		changed := false
		for _, id := range r.PatchIDs {
			p := f.patches[id]
			c := fleet.PackageChange{PatchID: id, Name: p.Name, FromVersion: f.versions[r.InstanceID][p.Name], ToVersion: p.Version, State: fleet.StateInstalled}
			if f.missing[r.InstanceID][id] {
				delete(f.missing[r.InstanceID], id)
				f.versions[r.InstanceID][p.Name] = p.Version
				changed = true
				if p.RequiresReboot {
					ir.RebootRequired = true
				}
			}
			ir.Changes = append(ir.Changes, c)
		}
		if changed {
			f.installs[r.InstanceID]++
		}
		if ir.RebootRequired {
			if req.Reboot == fleet.RebootIfNeeded {
				ir.Rebooted = true
			} else {
				f.pending[r.InstanceID] = true
			}
		}
		res.Instances = append(res.Instances, ir)
	}
	return res, nil
}

func (f *fakeProvider) WaitReady(_ context.Context, ids []string, _ fleet.Progress) ([]fleet.RebootOutcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.record("wait", len(ids))
	var out []fleet.RebootOutcome
	for _, id := range ids {
		out = append(out, fleet.RebootOutcome{InstanceID: id, Ready: true})
	}
	return out, nil
}

func (f *fakeProvider) Inventory(_ context.Context, ids []string) ([]fleet.Inventory, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fleet.Inventory
	for _, id := range ids {
		inv := fleet.Inventory{InstanceID: id}
		for name, v := range f.versions[id] {
			inv.Packages = append(inv.Packages, fleet.InstalledPackage{Name: name, Version: v})
		}
		out = append(out, inv)
	}
	return out, nil
}

// installCounts returns a copy of the per-instance install counts.
func (f *fakeProvider) installCounts() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.installs {
		out[k] = v
	}
	return out
}

// stillMissing returns the patches an instance still misses.
func (f *fakeProvider) stillMissing(id string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for p := range f.missing[id] {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func (f *fakeProvider) RunCommand(_ context.Context, req fleet.CommandRequest, _ fleet.Progress) ([]fleet.CommandResult, error) {
	var out []fleet.CommandResult
	for _, id := range req.InstanceIDs {
		out = append(out, fleet.CommandResult{InstanceID: id})
	}
	return out, nil
}

func (f *fakeProvider) AlarmStates(_ context.Context, alarms []fleet.Alarm) ([]fleet.AlarmState, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fleet.AlarmState
	for _, a := range alarms {
		st := fleet.AlarmState{Alarm: a, State: "OK"}
		if f.firing[a.Name] {
			st.Firing, st.State, st.Reason = true, "ALARM", "(Threshold Crossed: 5xx rate above 2%)"
		}
		out = append(out, st)
	}
	return out, nil
}

// attemptedCount is how many instances install calls named.
func (f *fakeProvider) attemptedCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.attempted)
}

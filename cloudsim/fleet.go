package cloudsim

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Fleet is a simulated fleet. All methods are safe for concurrent use:
// each instance has its own lock, and Save takes a consistent snapshot.
type Fleet struct {
	cfg    Config // with defaults, Faults and Clock cleared
	seed   int64
	clock  Clock
	timing Timing
	cat    *catalog

	machines []*machine
	byID     map[string]*machine

	// state is taken shared by every instance lock and exclusively by
	// Save, so that a saved fleet is one point in time.
	state sync.RWMutex

	faults         atomic.Pointer[faultSet]
	throttleLeft   atomic.Int64
	calls          atomic.Uint64
	throttledCalls atomic.Int64

	// gates is the health-gate state (health.go).
	gates *healthState
	// drift is the drift model (drift.go).
	drift driftState
	// snaps are the disk snapshots (snapshots.go).
	snaps snapshotStore
}

// newFleet returns an empty fleet over the catalog.
func newFleet(cfg Config, cat *catalog, clock Clock) *Fleet {
	faults := cfg.Faults
	cfg.Faults = Faults{}
	cfg.Clock = nil
	f := &Fleet{
		cfg: cfg, seed: cfg.Seed, clock: clock, timing: *cfg.Timing, cat: cat,
		byID:  make(map[string]*machine, cfg.Instances),
		gates: newHealthState(),
	}
	f.SetFaults(faults)
	return f
}

// add appends a machine.
func (f *Fleet) add(m *machine) {
	f.machines = append(f.machines, m)
	f.byID[m.static.ID] = m
}

// lock locks one instance (and the fleet state, shared).
func (f *Fleet) lock(m *machine) {
	f.state.RLock()
	m.mu.Lock()
}

// unlock undoes lock.
func (f *Fleet) unlock(m *machine) {
	m.mu.Unlock()
	f.state.RUnlock()
}

// Len returns the number of instances.
func (f *Fleet) Len() int { return len(f.machines) }

// Seed returns the seed the fleet was generated with.
func (f *Fleet) Seed() int64 { return f.seed }

// Clock returns the fleet's clock.
func (f *Fleet) Clock() Clock { return f.clock }

// Now returns the fleet's simulated time.
func (f *Fleet) Now() time.Time { return f.clock.Now() }

// Timing returns the simulated durations.
func (f *Fleet) Timing() Timing { return f.timing }

// IDs returns every instance ID in generation order.
func (f *Fleet) IDs() []string {
	ids := make([]string, len(f.machines))
	for i, m := range f.machines {
		ids[i] = m.static.ID
	}
	return ids
}

// Instance returns one instance as Discover shows it now.
func (f *Fleet) Instance(id string) (fleet.Instance, bool) {
	m := f.byID[id]
	if m == nil {
		return fleet.Instance{}, false
	}
	fs := f.faults.Load()
	now := f.clock.Now()
	f.lock(m)
	defer f.unlock(m)
	m.settle(now)
	return m.view(fs.isOffline(f.seed, id)), true
}

// Instances returns every instance, in generation order, as Discover shows
// them now.
func (f *Fleet) Instances() []fleet.Instance {
	out, _ := f.discover(fleet.Selector{})
	return out
}

// Discover lists the instances the selector matches, reachable or not.
func (f *Fleet) Discover(ctx context.Context, sel fleet.Selector) ([]fleet.Instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := f.throttle("Discover"); err != nil {
		return nil, err
	}
	return f.discover(sel)
}

func (f *Fleet) discover(sel fleet.Selector) ([]fleet.Instance, error) {
	fs := f.faults.Load()
	now := f.clock.Now()
	var out []fleet.Instance
	for _, m := range f.machines {
		if !sel.Matches(m.static) {
			continue
		}
		f.lock(m)
		m.settle(now)
		out = append(out, m.view(fs.isOffline(f.seed, m.static.ID)))
		f.unlock(m)
	}
	return out, nil
}

// PendingPatches returns the patches the instance misses now (what a scan
// reports as Missing), with the installed version, in catalog order.
func (f *Fleet) PendingPatches(id string) ([]fleet.PatchOnInstance, error) {
	m := f.byID[id]
	if m == nil {
		return nil, fmt.Errorf("cloudsim: instance %s not found", id)
	}
	now := f.clock.Now()
	f.lock(m)
	m.settle(now)
	statuses := m.missing(nil)
	f.unlock(m)
	out := make([]fleet.PatchOnInstance, 0, len(statuses))
	for _, s := range statuses {
		if s.State != fleet.StateMissing {
			continue
		}
		c := &m.rel.Components[m.rel.byPatchID[s.PatchID]]
		out = append(out, fleet.PatchOnInstance{Patch: clonePatch(c.Patch), InstalledVersion: s.InstalledVersion})
	}
	return out, nil
}

// Patch returns the definition of a patch by ID, from any OS release.
func (f *Fleet) Patch(id string) (fleet.Patch, bool) {
	for _, r := range f.cat.releases {
		if ci, ok := r.byPatchID[id]; ok {
			return clonePatch(r.Components[ci].Patch), true
		}
	}
	return fleet.Patch{}, false
}

// clonePatch copies a shared patch definition so callers cannot change it.
func clonePatch(p *fleet.Patch) fleet.Patch {
	c := *p
	if p.CVEs != nil {
		c.CVEs = append([]string(nil), p.CVEs...)
	}
	return c
}

// errNotFound is the per-instance error for an unknown instance ID.
func errNotFound(id string) string {
	return "InvalidInstanceId: instance " + id + " is not a managed instance"
}

// Package sim is the fleet.Provider over the simulated fleet of package
// cloudsim: a thin layer that enforces the batch limit of fleet.MaxBatch
// and keeps a log of the calls it served, so that tests can prove that
// activities call in batches and never per instance.
package sim

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Provider = (*Provider)(nil)

// Operation names one provider method in the call log.
type Operation string

// Operations of the call log.
const (
	OpDiscover  Operation = "Discover"
	OpScan      Operation = "Scan"
	OpInstall   Operation = "Install"
	OpWaitReady Operation = "WaitReady"
	OpInventory Operation = "Inventory"
)

// Call is one provider call in the log: which operation, over how many
// instances (for Discover, how many it returned), and its error, if any.
type Call struct {
	Op        Operation `json:"op"`
	Instances int       `json:"instances"`
	Err       string    `json:"err,omitempty"`
}

// Provider implements fleet.Provider over a *cloudsim.Fleet.
type Provider struct {
	fleet *cloudsim.Fleet

	mu    sync.Mutex
	calls []Call
	// pacer, when set, paces calls per account or subscription (rates.go).
	pacer *pacer
}

// New returns a provider over the simulated fleet f.
func New(f *cloudsim.Fleet) *Provider { return &Provider{fleet: f} }

// Fleet returns the simulated fleet behind the provider.
func (p *Provider) Fleet() *cloudsim.Fleet { return p.fleet }

// Calls returns a copy of the call log, in the order the calls finished.
func (p *Provider) Calls() []Call {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Call(nil), p.calls...)
}

// ResetCalls empties the call log.
func (p *Provider) ResetCalls() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = nil
}

// log records a call.
func (p *Provider) log(op Operation, n int, err error) {
	c := Call{Op: op, Instances: n}
	if err != nil {
		c.Err = err.Error()
	}
	p.mu.Lock()
	p.calls = append(p.calls, c)
	p.mu.Unlock()
}

// checkBatch refuses calls over fleet.MaxBatch instances.
func (p *Provider) checkBatch(op Operation, n int) error {
	if n <= fleet.MaxBatch {
		return nil
	}
	err := fmt.Errorf("sim: %s of %d instances: %w", op, n, fleet.ErrTooManyInstances)
	p.log(op, n, err)
	return err
}

// Discover lists the simulated instances the selector matches.
func (p *Provider) Discover(ctx context.Context, sel fleet.Selector) ([]fleet.Instance, error) {
	out, err := p.fleet.Discover(ctx, sel)
	p.log(OpDiscover, len(out), err)
	return out, err
}

// Scan scans at most fleet.MaxBatch instances.
func (p *Provider) Scan(ctx context.Context, instanceIDs []string, progress fleet.Progress) (fleet.ScanResult, error) {
	if err := p.checkBatch(OpScan, len(instanceIDs)); err != nil {
		return fleet.ScanResult{}, err
	}
	if err := p.pace(ctx, instanceIDs, azureWrite); err != nil {
		return fleet.ScanResult{}, err
	}
	res, err := p.fleet.Scan(ctx, instanceIDs, progress)
	p.log(OpScan, len(instanceIDs), err)
	return res, err
}

// Install installs the requested patches on at most fleet.MaxBatch
// instances. The simulated fleet installs within the call (nothing runs
// on for a retry to resume), so after the request's LastStart (on the wall
// clock, like the activities' window) it starts nothing and fails with
// fleet.ErrWindowClosed; the fleet itself stops what would outlast the
// request's Deadline.
func (p *Provider) Install(ctx context.Context, req fleet.InstallRequest, progress fleet.Progress) (fleet.InstallResult, error) {
	if err := p.checkBatch(OpInstall, len(req.Instances)); err != nil {
		return fleet.InstallResult{}, err
	}
	if !req.LastStart.IsZero() && time.Now().After(req.LastStart) {
		err := fmt.Errorf("sim: install of %d instances not started: the window's cutoff %s has passed: %w",
			len(req.Instances), req.LastStart.UTC().Format(time.RFC3339), fleet.ErrWindowClosed)
		p.log(OpInstall, len(req.Instances), err)
		return fleet.InstallResult{}, err
	}
	if req.Resume {
		if res, ok := p.installedBefore(req); ok {
			p.log(OpInstall, 0, nil)
			return res, nil
		}
	}
	ids := make([]string, len(req.Instances))
	for i, r := range req.Instances {
		ids[i] = r.InstanceID
	}
	if err := p.pace(ctx, ids, azureWrite); err != nil {
		return fleet.InstallResult{}, err
	}
	res, err := p.fleet.Install(ctx, req, progress)
	p.log(OpInstall, len(req.Instances), err)
	return res, err
}

// installedBefore finds, in the fleet's install journal, the install an
// earlier attempt of the call made (the same cycle, on the request's
// instances) and reports it again, as AWS finds a command by its call key:
// a retry never installs twice. ok is false when the earlier attempt
// installed nothing.
func (p *Provider) installedBefore(req fleet.InstallRequest) (fleet.InstallResult, bool) {
	ids := make([]string, len(req.Instances))
	for i, r := range req.Instances {
		ids[i] = r.InstanceID
	}
	recs, _ := p.fleet.Journal(ids...)
	last := map[string]cloudsim.InstallRecord{}
	for _, r := range recs {
		if r.CycleID == req.CycleID && (r.Outcome == cloudsim.OutcomeInstalled || r.Outcome == cloudsim.OutcomeFailed) {
			last[r.InstanceID] = r
		}
	}
	if len(last) == 0 {
		return fleet.InstallResult{}, false
	}
	var res fleet.InstallResult
	for _, id := range ids {
		r, ok := last[id]
		if !ok {
			res.Instances = append(res.Instances, fleet.InstanceInstall{InstanceID: id, Unconfirmed: true,
				Error: "an earlier attempt installed on other instances of the batch but not here"})
			continue
		}
		ir := fleet.InstanceInstall{InstanceID: id, Changes: r.Changes, Rebooted: r.Rebooted, RebootDeferred: r.RebootDeferred, Error: r.Error}
		for _, c := range r.Changes {
			ir.RebootRequired = ir.RebootRequired || c.State == fleet.StateInstalledPendingReboot
		}
		if ir.RebootDeferred {
			ir.LivePatchedCVEs = pendingCVEs(req.Patches, r.Changes)
		}
		res.Instances = append(res.Instances, ir)
	}
	return res, true
}

// WaitReady waits for at most fleet.MaxBatch instances to be back.
func (p *Provider) WaitReady(ctx context.Context, instanceIDs []string, progress fleet.Progress) ([]fleet.RebootOutcome, error) {
	if err := p.checkBatch(OpWaitReady, len(instanceIDs)); err != nil {
		return nil, err
	}
	if err := p.pace(ctx, instanceIDs, azureRead); err != nil {
		return nil, err
	}
	out, err := p.fleet.WaitReady(ctx, instanceIDs, progress)
	p.log(OpWaitReady, len(instanceIDs), err)
	return out, err
}

// Inventory reads the packages of at most fleet.MaxBatch instances.
func (p *Provider) Inventory(ctx context.Context, instanceIDs []string) ([]fleet.Inventory, error) {
	if err := p.checkBatch(OpInventory, len(instanceIDs)); err != nil {
		return nil, err
	}
	out, err := p.fleet.Inventory(ctx, instanceIDs)
	p.log(OpInventory, len(instanceIDs), err)
	return out, err
}

// pendingCVEs lists, sorted, the CVEs of the changes left pending reboot:
// on a deferred reboot, the kernel updates whose fixes live patches apply.
func pendingCVEs(patches []fleet.Patch, changes []fleet.PackageChange) []string {
	byID := make(map[string]fleet.Patch, len(patches))
	for _, p := range patches {
		byID[p.ID] = p
	}
	var cves []string
	for _, c := range changes {
		if c.State == fleet.StateInstalledPendingReboot {
			cves = append(cves, byID[c.PatchID].CVEs...)
		}
	}
	slices.Sort(cves)
	return slices.Compact(cves)
}

// DefersLivePatchedReboots reports that the simulated fleet skips the
// reboots live patches make unnecessary (fleet.LivePatchDeferrer).
func (p *Provider) DefersLivePatchedReboots(string) bool { return true }

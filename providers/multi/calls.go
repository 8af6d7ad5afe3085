package multi

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Discover asks every provider whose cloud the selector allows and
// concatenates the instances.
func (p *Provider) Discover(ctx context.Context, sel fleet.Selector) ([]fleet.Instance, error) {
	var out []fleet.Instance
	for _, c := range p.order {
		if len(sel.Clouds) > 0 && !slices.Contains(sel.Clouds, c) {
			continue
		}
		ins, err := p.clouds[c].Discover(ctx, sel)
		if err != nil {
			return nil, err
		}
		out = append(out, ins...)
	}
	return out, nil
}

// Scan scans each cloud's instances; an error of any part fails the call
// (scans are safe to retry).
func (p *Provider) Scan(ctx context.Context, ids []string, progress fleet.Progress) (fleet.ScanResult, error) {
	parts, bad := p.split(ids)
	out := fleet.ScanResult{Instances: make([]fleet.InstanceScan, len(ids))}
	for _, i := range bad {
		out.Instances[i] = fleet.InstanceScan{InstanceID: ids[i], Error: noProvider(ids[i])}
	}
	pr := newProgress(progress, len(ids))
	results := make([]fleet.ScanResult, len(parts))
	err := run(parts, func(pt *part) error {
		r, err := pt.prov.Scan(ctx, pt.ids, pr.of(pt.cloud))
		results[slices.Index(parts, pt)] = r
		return err
	})
	if err != nil {
		return fleet.ScanResult{}, err
	}
	seen := map[string]bool{}
	for k, pt := range parts {
		place(out.Instances, pt, results[k].Instances, func(s fleet.InstanceScan) string { return s.InstanceID })
		for _, c := range results[k].Catalog {
			if !seen[c.ID] {
				seen[c.ID] = true
				out.Catalog = append(out.Catalog, c)
			}
		}
	}
	return out, nil
}

// Install installs each cloud's share of the request. An error of any part
// fails the call, so the whole batch is retried: every provider's Install
// is idempotent (a patch already installed is a no-op), and the Azure
// provider resumes its running operations.
func (p *Provider) Install(ctx context.Context, req fleet.InstallRequest, progress fleet.Progress) (fleet.InstallResult, error) {
	ids := make([]string, len(req.Instances))
	for i, r := range req.Instances {
		ids[i] = r.InstanceID
	}
	parts, bad := p.split(ids)
	out := fleet.InstallResult{Instances: make([]fleet.InstanceInstall, len(ids))}
	for _, i := range bad {
		out.Instances[i] = fleet.InstanceInstall{InstanceID: ids[i], Error: noProvider(ids[i])}
	}
	pr := newProgress(progress, len(ids))
	results := make([]fleet.InstallResult, len(parts))
	var mu sync.Mutex
	var closed []error
	err := run(parts, func(pt *part) error {
		sub := req
		sub.Instances = make([]fleet.InstanceInstallRequest, len(pt.idx))
		for k, i := range pt.idx {
			sub.Instances[k] = req.Instances[i]
		}
		r, err := pt.prov.Install(ctx, sub, pr.of(pt.cloud))
		if errors.Is(err, fleet.ErrWindowClosed) {
			// One cloud refused to start past the cutoff while another may
			// have resumed its install: its instances are not started.
			r = fleet.InstallResult{}
			for _, id := range pt.ids {
				r.Instances = append(r.Instances, fleet.InstanceInstall{InstanceID: id, Error: err.Error(), NotStarted: true})
			}
			mu.Lock()
			closed = append(closed, err)
			mu.Unlock()
			err = nil
		}
		results[slices.Index(parts, pt)] = r
		return err
	})
	if err != nil {
		return fleet.InstallResult{}, err
	}
	if len(parts) > 0 && len(closed) == len(parts) && len(bad) == 0 {
		return fleet.InstallResult{}, closed[0]
	}
	for k, pt := range parts {
		place(out.Instances, pt, results[k].Instances, func(r fleet.InstanceInstall) string { return r.InstanceID })
	}
	return out, nil
}

// WaitReady waits on each cloud's instances.
func (p *Provider) WaitReady(ctx context.Context, ids []string, progress fleet.Progress) ([]fleet.RebootOutcome, error) {
	parts, bad := p.split(ids)
	out := make([]fleet.RebootOutcome, len(ids))
	for _, i := range bad {
		out[i] = fleet.RebootOutcome{InstanceID: ids[i], Error: noProvider(ids[i])}
	}
	pr := newProgress(progress, len(ids))
	results := make([][]fleet.RebootOutcome, len(parts))
	err := run(parts, func(pt *part) error {
		r, err := pt.prov.WaitReady(ctx, pt.ids, pr.of(pt.cloud))
		results[slices.Index(parts, pt)] = r
		return err
	})
	if err != nil {
		return nil, err
	}
	for k, pt := range parts {
		place(out, pt, results[k], func(r fleet.RebootOutcome) string { return r.InstanceID })
	}
	return out, nil
}

// Inventory reads each cloud's instances.
func (p *Provider) Inventory(ctx context.Context, ids []string) ([]fleet.Inventory, error) {
	parts, bad := p.split(ids)
	out := make([]fleet.Inventory, len(ids))
	for _, i := range bad {
		out[i] = fleet.Inventory{InstanceID: ids[i], Error: noProvider(ids[i])}
	}
	results := make([][]fleet.Inventory, len(parts))
	err := run(parts, func(pt *part) error {
		r, err := pt.prov.Inventory(ctx, pt.ids)
		results[slices.Index(parts, pt)] = r
		return err
	})
	if err != nil {
		return nil, err
	}
	for k, pt := range parts {
		place(out, pt, results[k], func(r fleet.Inventory) string { return r.InstanceID })
	}
	return out, nil
}

// place puts a part's results at their positions in out, matched by
// instance ID (a provider may answer in its own order); an instance the
// provider left out is reported with an error.
func place[T any](out []T, pt *part, got []T, idOf func(T) string) {
	byID := make(map[string]T, len(got))
	for _, r := range got {
		byID[idOf(r)] = r
	}
	for k, i := range pt.idx {
		if r, ok := byID[pt.ids[k]]; ok {
			out[i] = r
		} else {
			out[i] = missing[T](pt.ids[k])
		}
	}
}

// missing is the result of an instance a provider did not report: an
// error, never a zero value that could read as success (a type without a
// case here is a bug in this package).
func missing[T any](id string) T {
	const msg = "the provider returned no result for this instance"
	var v any
	var zero T
	switch any(zero).(type) {
	case fleet.InstanceScan:
		v = fleet.InstanceScan{InstanceID: id, Error: msg}
	case fleet.InstanceInstall:
		v = fleet.InstanceInstall{InstanceID: id, Error: msg}
	case fleet.RebootOutcome:
		v = fleet.RebootOutcome{InstanceID: id, Error: msg}
	case fleet.Inventory:
		v = fleet.Inventory{InstanceID: id, Error: msg}
	case fleet.CommandResult:
		v = fleet.CommandResult{InstanceID: id, Error: msg}
	case fleet.InstanceSnapshots:
		v = fleet.InstanceSnapshots{InstanceID: id, Error: msg}
	case fleet.Preflight:
		v = fleet.Preflight{InstanceID: id, Findings: []fleet.DriftFinding{{Check: fleet.DriftCheckFailed, Detail: msg}}}
	default:
		panic(fmt.Sprintf("multi: no missing result for %T", zero))
	}
	return v.(T)
}

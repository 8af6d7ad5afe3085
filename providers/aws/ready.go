package aws

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// WaitReady polls DescribeInstanceInformation until every instance's
// agent is Online again, or ctx ends; instances not back by then are
// reported with Ready false and their ping status. SSM does not report
// boot times, so LastBootTime stays zero.
func (p *Provider) WaitReady(ctx context.Context, instanceIDs []string, progress fleet.Progress) ([]fleet.RebootOutcome, error) {
	if len(instanceIDs) > fleet.MaxBatch {
		return nil, fmt.Errorf("aws: wait for %d instances: %w", len(instanceIDs), fleet.ErrTooManyInstances)
	}
	groups, missing, err := p.locate(ctx, instanceIDs)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	var mu sync.Mutex
	ready := map[string]bool{}
	last := map[string]string{}
	for id, reason := range missing {
		last[id] = reason
	}
	for {
		err := eachGroup(groups, func(g group) error {
			var waiting []string
			mu.Lock()
			for _, id := range g.ids {
				if !ready[id] {
					waiting = append(waiting, id)
				}
			}
			mu.Unlock()
			if len(waiting) == 0 {
				return nil
			}
			if err := g.credentials(ctx); err != nil {
				if errors.Is(err, fleet.ErrPermanent) {
					return err
				}
				mu.Lock()
				for _, id := range waiting {
					last[id] = err.Error()
				}
				mu.Unlock()
				return nil
			}
			nodes, err := p.describe(ctx, g.clientSet, nil, waiting)
			if err != nil {
				return wrapErr("DescribeInstanceInformation in "+g.String(), err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, n := range nodes {
				if n.inst.Ping == fleet.PingOnline {
					ready[n.inst.ID] = true
				} else {
					last[n.inst.ID] = n.inst.Unreachable
				}
			}
			return nil
		})
		if err != nil && ctx.Err() == nil {
			return nil, err
		}
		if progress != nil {
			progress(len(ready), len(instanceIDs))
		}
		if len(ready) == len(instanceIDs)-len(missing) || ctx.Err() != nil {
			break
		}
		if sleep(ctx, p.cfg.PollInterval) != nil {
			break
		}
	}
	out := make([]fleet.RebootOutcome, len(instanceIDs))
	for i, id := range instanceIDs {
		out[i] = fleet.RebootOutcome{InstanceID: id, Ready: ready[id]}
		if !ready[id] {
			out[i].Error = fmt.Sprintf("not back online after %s: %s", time.Since(start).Round(time.Second), orUnknown(last[id]))
		}
	}
	return out, nil
}

// Inventory reads the installed packages and versions of at most 50
// instances (ListInventoryEntries, AWS:Application). Instances that cannot
// be read carry the reason.
func (p *Provider) Inventory(ctx context.Context, instanceIDs []string) ([]fleet.Inventory, error) {
	if len(instanceIDs) > fleet.MaxBatch {
		return nil, fmt.Errorf("aws: inventory of %d instances: %w", len(instanceIDs), fleet.ErrTooManyInstances)
	}
	groups, missing, err := p.locate(ctx, instanceIDs)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	res := map[string]fleet.Inventory{}
	err = eachGroup(groups, func(g group) error {
		if err := g.credentials(ctx); err != nil {
			if errors.Is(err, fleet.ErrPermanent) {
				return err
			}
			mu.Lock()
			for _, id := range g.ids {
				res[id] = fleet.Inventory{InstanceID: id, Error: err.Error()}
			}
			mu.Unlock()
			return nil
		}
		return p.each(g.ids, func(_ int, id string) error {
			inv, err := p.inventory(ctx, g, id)
			if err != nil {
				return err
			}
			r := fleet.Inventory{InstanceID: id, Packages: make([]fleet.InstalledPackage, 0, len(inv))}
			for name, v := range inv {
				r.Packages = append(r.Packages, fleet.InstalledPackage{Name: name, Version: v})
			}
			sortPackages(r.Packages)
			mu.Lock()
			res[id] = r
			mu.Unlock()
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]fleet.Inventory, len(instanceIDs))
	for i, id := range instanceIDs {
		r, ok := res[id]
		if !ok {
			r = fleet.Inventory{InstanceID: id, Error: missing[id]}
		}
		out[i] = r
	}
	return out, nil
}

package azure

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// ListSnapshots lists the snapshots fleetpatch took (tagged
// fleetpatch:key) that the filter matches: per target subscription, the
// snapshots of its target resource groups (or of the whole subscription
// when it names none), or only the resource group of the filter's VM
// (https://learn.microsoft.com/rest/api/compute/snapshots/list,
// https://learn.microsoft.com/rest/api/compute/snapshots/list-by-resource-group).
// Errors fail the call (a denied read with fleet.ErrPermanent).
func (p *Provider) ListSnapshots(ctx context.Context, filter fleet.SnapshotFilter) ([]fleet.DiskSnapshot, error) {
	clients := &snapshotClients{p: p, bySub: map[string]*armcompute.SnapshotsClient{}}
	type scope struct{ sub, rg string }
	var scopes []scope
	if m, err := parseMachine(filter.InstanceID); filter.InstanceID != "" && err == nil {
		scopes = append(scopes, scope{m.Sub, m.RG})
	} else {
		for _, t := range p.cfg.Targets {
			if len(t.ResourceGroups) == 0 {
				scopes = append(scopes, scope{t.ID, ""})
			}
			for _, rg := range t.ResourceGroups {
				scopes = append(scopes, scope{t.ID, rg})
			}
		}
	}
	var out []fleet.DiskSnapshot
	for _, sc := range scopes {
		c, err := clients.of(sc.sub)
		if err != nil {
			return nil, err
		}
		list, err := listScope(ctx, c, sc.rg)
		if err != nil {
			return nil, listError(err, sc.sub)
		}
		for _, s := range list {
			if s == nil || tagOf(s.Tags, fleet.SnapshotTagKey) == "" {
				continue
			}
			if d := diskSnapshotOf(sc.sub, *s); matchesFilter(d, filter) {
				out = append(out, d)
			}
		}
	}
	return out, nil
}

// listScope lists the snapshots of a resource group, or of the client's
// subscription when rg is "", every page.
func listScope(ctx context.Context, c *armcompute.SnapshotsClient, rg string) ([]*armcompute.Snapshot, error) {
	var out []*armcompute.Snapshot
	if rg == "" {
		for pg := c.NewListPager(nil); pg.More(); {
			page, err := pg.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			out = append(out, page.Value...)
		}
		return out, nil
	}
	for pg := c.NewListByResourceGroupPager(rg, nil); pg.More(); {
		page, err := pg.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Value...)
	}
	return out, nil
}

// listError marks a failed list: permanent (a denied read, a resource
// group or subscription that does not exist), throttled, or plain.
func listError(err error, sub string) error {
	if pe := permanent(err, sub, true); pe != nil {
		return pe
	}
	return wrapCallError(err)
}

// DeleteSnapshots deletes at most 50 snapshots of the target
// subscriptions, in parallel (bounded per subscription): it GETs each
// first, so that a snapshot without the fleetpatch:key tag is never
// deleted (it is refused: the others are deleted and the call fails with
// fleet.ErrPermanent naming it) and one already gone (404) counts as
// deleted, then DELETEs it and polls the long-running operation
// (https://learn.microsoft.com/rest/api/compute/snapshots/delete).
// Throttling that outlasts azcore's retries, a denied permission and the
// end of ctx fail the call with the IDs deleted so far.
func (p *Provider) DeleteSnapshots(ctx context.Context, snaps []fleet.DiskSnapshot) ([]string, error) {
	if len(snaps) > fleet.MaxBatch {
		return nil, fmt.Errorf("azure: delete of %d snapshots: %w", len(snaps), fleet.ErrTooManyInstances)
	}
	targets := map[string]bool{}
	for _, t := range p.cfg.Targets {
		targets[strings.ToLower(t.ID)] = true
	}
	ids := make([]*arm.ResourceID, len(snaps))
	for i, s := range snaps {
		r, err := arm.ParseResourceID(s.ID)
		switch {
		case err != nil || !strings.EqualFold(r.ResourceType.String(), "Microsoft.Compute/snapshots"):
			return nil, fmt.Errorf("azure: %q is not a snapshot's resource ID: %w", s.ID, fleet.ErrPermanent)
		case !targets[strings.ToLower(r.SubscriptionID)]:
			return nil, fmt.Errorf("azure: snapshot %s: subscription %s is not a target: %w", s.ID, r.SubscriptionID, fleet.ErrPermanent)
		}
		ids[i] = r
	}
	clients := &snapshotClients{p: p, bySub: map[string]*armcompute.SnapshotsClient{}}
	deleted := make([]bool, len(snaps))
	errs := make([]error, len(snaps))
	sems := map[string]chan struct{}{}
	var wg sync.WaitGroup
	for i, r := range ids {
		sub := strings.ToLower(r.SubscriptionID)
		if sems[sub] == nil {
			sems[sub] = make(chan struct{}, p.cfg.Concurrency)
		}
		sem := sems[sub]
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
				deleted[i], errs[i] = p.deleteSnapshot(ctx, clients, r)
			case <-ctx.Done():
				errs[i] = ctx.Err()
			}
		}()
	}
	wg.Wait()
	var out []string
	var failures []error
	for i, ok := range deleted {
		if ok {
			out = append(out, snaps[i].ID)
		}
	}
	for _, err := range errs {
		if callError(err) {
			return out, wrapCallError(err)
		}
		if err != nil {
			failures = append(failures, err)
		}
	}
	return out, errors.Join(failures...)
}

// errNotFleetpatch refuses to delete a snapshot fleetpatch did not take.
var errNotFleetpatch = errors.New("not taken by fleetpatch (no " + fleet.SnapshotTagKey + " tag): not deleted")

// deleteSnapshot deletes one snapshot; it reports true when it is gone.
func (p *Provider) deleteSnapshot(ctx context.Context, clients *snapshotClients, r *arm.ResourceID) (bool, error) {
	c, err := clients.of(r.SubscriptionID)
	if err != nil {
		return false, err
	}
	got, err := c.Get(ctx, r.ResourceGroupName, r.Name, nil)
	var re *azcore.ResponseError
	switch {
	case errors.As(err, &re) && re.StatusCode == http.StatusNotFound:
		return true, nil
	case err != nil:
		return false, err
	case tagOf(got.Tags, fleet.SnapshotTagKey) == "":
		return false, fmt.Errorf("azure: snapshot %s: %w: %w", r.String(), errNotFleetpatch, fleet.ErrPermanent)
	}
	pl, err := c.BeginDelete(ctx, r.ResourceGroupName, r.Name, nil)
	if err != nil {
		return false, err
	}
	if _, err := poll(ctx, pl, p.cfg.PollInterval, func() {}); err != nil {
		return false, err
	}
	return true, nil
}

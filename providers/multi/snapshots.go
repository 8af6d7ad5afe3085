package multi

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Snapshotter = (*Provider)(nil)

// Snapshot snapshots each cloud's instances through that cloud's
// provider, in parallel, and merges the results in the request's order.
// An instance of no configured cloud, or of a cloud whose provider
// cannot snapshot disks (does not implement fleet.Snapshotter), gets an
// error; a part's error fails the call.
func (p *Provider) Snapshot(ctx context.Context, req fleet.SnapshotRequest, progress fleet.Progress) ([]fleet.InstanceSnapshots, error) {
	return fanOut(p, req.InstanceIDs, progress,
		func(id string) fleet.InstanceSnapshots {
			return fleet.InstanceSnapshots{InstanceID: id, Error: noProvider(id)}
		},
		func(r fleet.InstanceSnapshots) string { return r.InstanceID },
		func(pt *part, progress fleet.Progress) ([]fleet.InstanceSnapshots, error) {
			sn, ok := pt.prov.(fleet.Snapshotter)
			if !ok {
				return each(pt, func(id string) fleet.InstanceSnapshots {
					return fleet.InstanceSnapshots{InstanceID: id, Error: lacks(pt.cloud, "snapshot disks", "fleet.Snapshotter")}
				}), nil
			}
			sub := req
			sub.InstanceIDs = pt.ids
			return sn.Snapshot(ctx, sub, progress)
		})
}

// ListSnapshots lists the snapshots of every provider that implements
// fleet.Snapshotter, cloud by cloud in name order (only the instance's
// cloud when the filter names an instance); providers that do not are
// skipped. An error of any provider fails the call.
func (p *Provider) ListSnapshots(ctx context.Context, filter fleet.SnapshotFilter) ([]fleet.DiskSnapshot, error) {
	var out []fleet.DiskSnapshot
	for _, c := range p.order {
		if filter.InstanceID != "" && CloudOf(filter.InstanceID) != c {
			continue
		}
		sn, ok := p.clouds[c].(fleet.Snapshotter)
		if !ok {
			continue
		}
		list, err := sn.ListSnapshots(ctx, filter)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c, err)
		}
		out = append(out, list...)
	}
	return out, nil
}

// DeleteSnapshots deletes each cloud's snapshots through that cloud's
// provider, in parallel, and returns the IDs deleted. A snapshot's cloud
// is its Cloud, else its instance's, else its ID's (snap-... on AWS, a
// resource ID on Azure). Snapshots of no configured cloud, or of a cloud
// whose provider cannot delete snapshots, are not deleted: their IDs are
// not returned, so a clean-up finds them again. A part's error fails the
// call.
func (p *Provider) DeleteSnapshots(ctx context.Context, snaps []fleet.DiskSnapshot) ([]string, error) {
	ids := make([]string, len(snaps))
	for i, s := range snaps {
		ids[i] = s.ID
	}
	parts, _ := p.splitBy(ids, func(i int) fleet.Cloud { return snapshotCloud(snaps[i]) })
	deleted := make([][]string, len(parts))
	err := run(parts, func(pt *part) error {
		sn, ok := pt.prov.(fleet.Snapshotter)
		if !ok {
			return nil
		}
		sub := make([]fleet.DiskSnapshot, len(pt.idx))
		for k, i := range pt.idx {
			sub[k] = snaps[i]
		}
		r, err := sn.DeleteSnapshots(ctx, sub)
		deleted[slices.Index(parts, pt)] = r
		return err
	})
	if err != nil {
		return nil, err
	}
	return slices.Concat(deleted...), nil
}

// snapshotCloud is a snapshot's cloud: its Cloud field, else its
// instance's, else its ID's.
func snapshotCloud(s fleet.DiskSnapshot) fleet.Cloud {
	switch {
	case s.Cloud != "":
		return s.Cloud
	case CloudOf(s.InstanceID) != "":
		return CloudOf(s.InstanceID)
	case strings.HasPrefix(s.ID, "snap-"):
		return fleet.CloudAWS
	}
	return CloudOf(s.ID)
}

// lacks is the per-instance error of a cloud whose provider does not
// implement an optional interface.
func lacks(c fleet.Cloud, what, iface string) string {
	return fmt.Sprintf("the %s provider cannot %s (it does not implement %s)", c, what, iface)
}

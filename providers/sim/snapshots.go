package sim

import (
	"context"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Snapshotter = (*Provider)(nil)

// Operations of the disk snapshots in the call log.
const (
	OpSnapshot        Operation = "Snapshot"
	OpListSnapshots   Operation = "ListSnapshots"
	OpDeleteSnapshots Operation = "DeleteSnapshots"
)

// Snapshot snapshots every disk of at most fleet.MaxBatch simulated
// instances (see cloudsim.Fleet.Snapshot: idempotent per request key,
// waits on the fleet's clock until the snapshots are complete; hybrid
// nodes and unknown instances are reported with an error), paced like a
// write.
func (p *Provider) Snapshot(ctx context.Context, req fleet.SnapshotRequest, progress fleet.Progress) ([]fleet.InstanceSnapshots, error) {
	if err := p.checkBatch(OpSnapshot, len(req.InstanceIDs)); err != nil {
		return nil, err
	}
	if err := p.pace(ctx, req.InstanceIDs, azureWrite); err != nil {
		return nil, err
	}
	out, err := p.fleet.Snapshot(ctx, req, progress)
	p.log(OpSnapshot, len(req.InstanceIDs), err)
	return out, err
}

// ListSnapshots lists the simulated snapshots fleetpatch took that the
// filter matches; the log counts the snapshots returned.
func (p *Provider) ListSnapshots(ctx context.Context, filter fleet.SnapshotFilter) ([]fleet.DiskSnapshot, error) {
	out, err := p.fleet.ListSnapshots(ctx, filter)
	p.log(OpListSnapshots, len(out), err)
	return out, err
}

// DeleteSnapshots deletes at most fleet.MaxBatch simulated snapshots (one
// already gone counts as deleted; one fleetpatch did not take is refused
// with an error wrapping fleet.ErrPermanent); the log counts the
// snapshots asked for.
func (p *Provider) DeleteSnapshots(ctx context.Context, snaps []fleet.DiskSnapshot) ([]string, error) {
	if err := p.checkBatch(OpDeleteSnapshots, len(snaps)); err != nil {
		return nil, err
	}
	ids := make([]string, len(snaps))
	for i, s := range snaps {
		ids[i] = s.InstanceID
	}
	if err := p.pace(ctx, ids, azureWrite); err != nil {
		return nil, err
	}
	out, err := p.fleet.DeleteSnapshots(ctx, snaps)
	p.log(OpDeleteSnapshots, len(snaps), err)
	return out, err
}

package activities

import (
	"context"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/report"
)

// DiskSnapshotInput asks for snapshots of a batch's instances before it
// installs; Retain is how long they are kept.
type DiskSnapshotInput struct {
	BatchInput
	Retain time.Duration `json:"retain"`
}

// DiskSnapshotResult counts a batch's snapshots; Skipped are the
// instances whose snapshot failed, which are not installed.
type DiskSnapshotResult struct {
	Snapshots int      `json:"snapshots"`
	Skipped   []string `json:"skipped,omitempty"`
}

// SnapshotDisks snapshots every disk of the batch's instances (tagged
// with the group, the cycle, the batch's key and the expiry) and waits
// for them to complete. An instance whose snapshot fails is not
// installed: the group asked for a way back before any change. The
// result is stored; the provider finds snapshots an earlier attempt took
// by the batch's key, so a retry takes none twice.
func (a *Activities) SnapshotDisks(ctx context.Context, in DiskSnapshotInput) (DiskSnapshotResult, error) {
	if err := validRun(in.Run); err != nil {
		return DiskSnapshotResult{}, err
	}
	key := in.Run.waveKey(in.Wave, in.Batch, "snapshots")
	var stored []fleet.InstanceSnapshots
	if found, err := getJSON(ctx, a.Store, key, &stored); err != nil || found {
		return countSnapshots(stored), err
	}
	bp, err := a.batchPlan(ctx, in.BatchInput)
	if err != nil {
		return DiskSnapshotResult{}, err
	}
	ids := make([]string, len(bp.Instances))
	for i, x := range bp.Instances {
		ids[i] = x.ID
	}
	snap, ok := a.Provider.(fleet.Snapshotter)
	if !ok {
		for _, id := range ids {
			stored = append(stored, fleet.InstanceSnapshots{InstanceID: id, Error: "the provider cannot snapshot disks"})
		}
	} else {
		progress, stop := heartbeater(ctx, "snapshots")
		defer stop()
		stored, err = snap.Snapshot(fleet.WithCallKey(ctx, key), fleet.SnapshotRequest{InstanceIDs: ids, Group: in.Run.Group,
			Cycle: in.Run.Cycle, Key: in.Run.Key() + "/" + key, Expires: a.now().Add(in.Retain)}, progress)
		if err != nil {
			return DiskSnapshotResult{}, providerError("snapshot", err)
		}
	}
	if err := putJSON(ctx, a.Store, key, stored); err != nil {
		return DiskSnapshotResult{}, err
	}
	return countSnapshots(stored), nil
}

func countSnapshots(s []fleet.InstanceSnapshots) DiskSnapshotResult {
	var r DiskSnapshotResult
	for _, x := range s {
		if x.Error != "" && !x.NoCloudDisks {
			r.Skipped = append(r.Skipped, x.InstanceID)
		}
		r.Snapshots += len(x.Snapshots)
	}
	return r
}

// snapshotSkipped returns the instances of the batch whose snapshot
// failed, with why (none when the group takes no snapshots).
func (a *Activities) snapshotSkipped(ctx context.Context, in BatchInput) (map[string]string, error) {
	var stored []fleet.InstanceSnapshots
	if _, err := getJSON(ctx, a.Store, in.Run.waveKey(in.Wave, in.Batch, "snapshots"), &stored); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, s := range stored {
		if s.Error != "" && !s.NoCloudDisks {
			out[s.InstanceID] = "not installed: the snapshot before the install failed: " + s.Error
		}
	}
	return out, nil
}

// batchSnapshots returns the snapshots taken per instance, for the
// report, and a warning for each instance installed without one (its
// disks are not the cloud's).
func (a *Activities) batchSnapshots(ctx context.Context, in BatchInput) (map[string][]report.Snapshot, map[string]string, error) {
	var stored []fleet.InstanceSnapshots
	if _, err := getJSON(ctx, a.Store, in.Run.waveKey(in.Wave, in.Batch, "snapshots"), &stored); err != nil {
		return nil, nil, err
	}
	out, warn := map[string][]report.Snapshot{}, map[string]string{}
	for _, s := range stored {
		if s.NoCloudDisks {
			warn[s.InstanceID] = "installed without a snapshot: " + s.Error
		}
		for _, d := range s.Snapshots {
			out[s.InstanceID] = append(out[s.InstanceID], report.Snapshot{ID: d.ID, Disk: d.Disk, Device: d.Device, Expires: d.Expires})
		}
	}
	return out, warn, nil
}

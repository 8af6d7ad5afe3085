package cloudsim

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// SnapshotTags returns the tags of a request's snapshots of one instance.
func SnapshotTags(req fleet.SnapshotRequest, instanceID string) map[string]string {
	t := map[string]string{fleet.SnapshotTagKey: req.Key, fleet.SnapshotTagInstance: instanceID,
		fleet.SnapshotTagGroup: req.Group, fleet.SnapshotTagCycle: req.Cycle}
	if !req.Expires.IsZero() {
		t[fleet.SnapshotTagExpires] = req.Expires.UTC().Format(time.RFC3339)
	}
	return t
}

// Snapshot snapshots every disk of the instances, as fleet.Snapshotter
// does (without its batch limit): the snapshots carry SnapshotTags, and an
// instance whose disks already have snapshots tagged with the request's
// key gets no new ones, it waits for those. It waits, on the fleet's
// clock, until every snapshot is complete or ctx ends; then the instances
// not complete carry an error (and their pending snapshots), and ctx's
// error is returned with them. Unknown instances and hybrid nodes are
// reported with an error; a throttled call takes nothing.
func (f *Fleet) Snapshot(ctx context.Context, req fleet.SnapshotRequest, progress fleet.Progress) ([]fleet.InstanceSnapshots, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.Key == "" {
		return nil, fmt.Errorf("cloudsim: snapshot request without a key: %w", fleet.ErrPermanent)
	}
	if err := f.throttle("Snapshot"); err != nil {
		return nil, err
	}
	start := f.clock.Now()
	out := make([]fleet.InstanceSnapshots, len(req.InstanceIDs))
	steps := make([]step, len(req.InstanceIDs))
	for i, id := range req.InstanceIDs {
		out[i] = fleet.InstanceSnapshots{InstanceID: id}
		steps[i] = step{at: start, index: i}
		recs, err := f.snapshotInstance(req, id)
		if err != nil {
			out[i].Error, out[i].NoCloudDisks = err.Error(), errors.Is(err, ErrNoCloudDisks)
			continue
		}
		for _, r := range recs {
			steps[i].at = later(steps[i].at, r.CompleteTime)
			out[i].Snapshots = append(out[i].Snapshots, r.diskSnapshot())
		}
	}
	done, err := f.runSteps(ctx, steps, func(i int, now time.Time) {
		for k := range out[i].Snapshots {
			out[i].Snapshots[k].State = SnapshotCompleted
		}
	}, progress)
	if err != nil {
		for _, s := range steps[done:] {
			if out[s.index].Error == "" {
				out[s.index].Error = "stopped waiting for the snapshots to complete (" + err.Error() + ")"
			}
		}
		return out, err
	}
	return out, nil
}

// snapshotInstance finds or takes the request's snapshots of one
// instance's disks.
func (f *Fleet) snapshotInstance(req fleet.SnapshotRequest, id string) ([]SnapshotRecord, error) {
	if f.byID[id] == nil {
		return nil, errors.New(errNotFound(id))
	}
	disks, err := f.Disks(id)
	if err != nil {
		return nil, err
	}
	have := map[string]SnapshotRecord{}
	for _, r := range f.FindSnapshots(SnapshotQuery{InstanceID: id, Tags: map[string]string{fleet.SnapshotTagKey: req.Key}}) {
		have[strings.ToLower(r.Disk)] = r
	}
	out := make([]SnapshotRecord, 0, len(disks))
	for _, d := range disks {
		r, ok := have[strings.ToLower(d.ID)]
		if !ok {
			tags := SnapshotTags(req, id)
			tags[fleet.SnapshotTagDevice] = d.Device
			if r, _, err = f.CreateSnapshot(SnapshotInput{Disk: d.ID, Tags: tags}); err != nil {
				return nil, err
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// diskSnapshot converts a record.
func (r SnapshotRecord) diskSnapshot() fleet.DiskSnapshot {
	d := fleet.DiskSnapshot{ID: r.ID, InstanceID: r.InstanceID, Cloud: r.Cloud, Account: r.Account, Region: r.Region,
		Disk: r.Disk, Device: r.Device, Group: r.Tags[fleet.SnapshotTagGroup], Cycle: r.Tags[fleet.SnapshotTagCycle],
		Created: r.StartTime, State: r.State}
	d.Expires, _ = time.Parse(time.RFC3339, r.Tags[fleet.SnapshotTagExpires])
	return d
}

// ListSnapshots lists the live snapshots fleetpatch took (tagged with a
// key) that the filter matches, oldest first. A snapshot whose expiry tag
// is missing or unreadable never matches ExpiredBefore.
func (f *Fleet) ListSnapshots(ctx context.Context, filter fleet.SnapshotFilter) ([]fleet.DiskSnapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := f.throttle("ListSnapshots"); err != nil {
		return nil, err
	}
	var out []fleet.DiskSnapshot
	for _, r := range f.FindSnapshots(SnapshotQuery{InstanceID: filter.InstanceID, TagKeys: []string{fleet.SnapshotTagKey}}) {
		d := r.diskSnapshot()
		if MatchesSnapshotFilter(d, filter) {
			out = append(out, d)
		}
	}
	return out, nil
}

// MatchesSnapshotFilter reports whether a snapshot matches a filter:
// instance, group and cycle equal when set, and with ExpiredBefore an
// expiry before it.
func MatchesSnapshotFilter(d fleet.DiskSnapshot, filter fleet.SnapshotFilter) bool {
	switch {
	case filter.InstanceID != "" && !strings.EqualFold(d.InstanceID, filter.InstanceID),
		filter.Group != "" && d.Group != filter.Group,
		filter.Cycle != "" && d.Cycle != filter.Cycle:
		return false
	case !filter.ExpiredBefore.IsZero():
		return !d.Expires.IsZero() && d.Expires.Before(filter.ExpiredBefore)
	}
	return true
}

// DeleteSnapshots deletes the snapshots and returns the IDs deleted, those
// already gone included. A snapshot fleetpatch did not take (no key tag)
// is not deleted: the call deletes the others and fails with an error
// wrapping fleet.ErrPermanent that names it.
func (f *Fleet) DeleteSnapshots(ctx context.Context, snaps []fleet.DiskSnapshot) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := f.throttle("DeleteSnapshots"); err != nil {
		return nil, err
	}
	var deleted, refused []string
	for _, d := range snaps {
		if r, ok := f.SnapshotByID(d.ID); ok && r.Tags[fleet.SnapshotTagKey] == "" {
			refused = append(refused, d.ID)
			continue
		}
		f.DeleteSnapshot(d.ID)
		deleted = append(deleted, d.ID)
	}
	if len(refused) > 0 {
		return deleted, fmt.Errorf("cloudsim: not deleted, not taken by fleetpatch (no %s tag): %s: %w",
			fleet.SnapshotTagKey, strings.Join(refused, ", "), fleet.ErrPermanent)
	}
	return deleted, nil
}

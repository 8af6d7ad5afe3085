package cloudsim

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Restores of disks from the fleet's snapshots, as `starter restore
// --apply` asks through the providers and the AWS emulator's
// CreateReplaceRootVolumeTask. A restore of a root or OS disk snapshot
// puts back the package versions the instance had when the snapshot was
// taken (SnapshotRecord.Packages), clears its pending reboot and reboots
// it (a root-volume replacement restarts the instance); a restore of a
// data disk snapshot is only recorded (the simulated data disks hold no
// state). Every restore is kept in the restore journal (Restores); it is
// not saved with the fleet.

// States of a restore, as EC2 spells a root-volume replacement task's
// (ReplaceRootVolumeTask.TaskState): pending for the first quarter of
// the restore, in-progress until the instance is back, then succeeded.
const (
	RestorePending    = "pending"
	RestoreInProgress = "in-progress"
	RestoreSucceeded  = "succeeded"
)

// Errors of RestoreDisk.
var (
	ErrSnapshotNotFound      = errors.New("no such snapshot")
	ErrSnapshotNotOfInstance = errors.New("the snapshot is not a snapshot of a disk of the instance")
	ErrSnapshotNotCompleted  = errors.New("the snapshot is not completed")
	ErrNoPackageState        = errors.New("the snapshot holds no package state (taken before restores were simulated)")
	ErrInstanceRebooting     = errors.New("the instance is rebooting")
)

// RestoreInput asks to restore one disk of an instance from a snapshot.
type RestoreInput struct {
	InstanceID string
	SnapshotID string
	// Key, when set, makes the restore idempotent: a restore with the
	// same key and snapshot returns the earlier one instead of restoring
	// again (EC2's ClientToken).
	Key string
}

// RestoreRecord is one restore of one disk.
type RestoreRecord struct {
	// TaskID names the restore: replacevol-... for an EC2 root volume (a
	// replacement task), restore-... otherwise.
	TaskID     string      `json:"taskId"`
	Key        string      `json:"key,omitempty"`
	InstanceID string      `json:"instanceId"`
	Cloud      fleet.Cloud `json:"cloud"`
	SnapshotID string      `json:"snapshotId"`
	Disk       string      `json:"disk"`
	Device     string      `json:"device"`
	Root       bool        `json:"root,omitempty"`
	// Changed counts the packages whose version the restore put back.
	Changed int `json:"changed"`
	// StartTime and CompleteTime are on the fleet's clock; Created is the
	// wall-clock time of the restore, as SnapshotRecord.Created.
	StartTime    time.Time `json:"startTime"`
	CompleteTime time.Time `json:"completeTime"`
	Created      time.Time `json:"created"`
	// State is RestorePending, RestoreInProgress or RestoreSucceeded when
	// read.
	State string `json:"state"`
}

// read returns a copy of r with its state now.
func (r *RestoreRecord) read(now time.Time) RestoreRecord {
	c := *r
	switch {
	case !now.Before(r.CompleteTime):
		c.State = RestoreSucceeded
	case now.Before(r.StartTime.Add(r.CompleteTime.Sub(r.StartTime) / 4)):
		c.State = RestorePending
	default:
		c.State = RestoreInProgress
	}
	return c
}

// RestoreDisk restores one disk of an instance from one of its completed
// snapshots now, or, with the Key of an earlier restore of the same
// snapshot, returns that one and created false.
func (f *Fleet) RestoreDisk(in RestoreInput) (rec RestoreRecord, created bool, err error) {
	snap, ok := f.SnapshotByID(in.SnapshotID)
	switch {
	case !ok:
		return RestoreRecord{}, false, fmt.Errorf("cloudsim: snapshot %s: %w", in.SnapshotID, ErrSnapshotNotFound)
	case !strings.EqualFold(snap.InstanceID, in.InstanceID):
		return RestoreRecord{}, false, fmt.Errorf("cloudsim: snapshot %s (of %s) and instance %s: %w", snap.ID, snap.InstanceID, in.InstanceID, ErrSnapshotNotOfInstance)
	}
	m := f.byID[snap.InstanceID]
	_, disk, _ := f.DiskOwner(snap.Disk)
	if m == nil {
		return RestoreRecord{}, false, errors.New(errNotFound(in.InstanceID))
	}
	now := f.clock.Now()
	f.lock(m)
	defer f.unlock(m)
	s := &f.snaps
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.Key != "" {
		for _, r := range s.restores {
			if r.Key == in.Key && r.SnapshotID == snap.ID {
				return r.read(now), false, nil
			}
		}
	}
	if snap.State != SnapshotCompleted {
		return RestoreRecord{}, false, fmt.Errorf("cloudsim: snapshot %s: %w", snap.ID, ErrSnapshotNotCompleted)
	}
	m.settle(now)
	r := &RestoreRecord{Key: in.Key, InstanceID: m.static.ID, Cloud: m.static.Cloud, SnapshotID: snap.ID,
		Disk: snap.Disk, Device: snap.Device, Root: disk.Root, StartTime: now, CompleteTime: now, Created: time.Now().UTC()}
	if r.Root {
		if len(snap.Packages) != len(m.installed) {
			return RestoreRecord{}, false, fmt.Errorf("cloudsim: snapshot %s: %w", snap.ID, ErrNoPackageState)
		}
		if m.rebooting() {
			return RestoreRecord{}, false, fmt.Errorf("cloudsim: %s: %w", m.static.ID, ErrInstanceRebooting)
		}
		for i, v := range snap.Packages {
			if m.installed[i] != v {
				r.Changed++
			}
		}
		copy(m.installed, snap.Packages)
		m.pendingReboot, m.livePatched = 0, 0
		f.startReboot(f.faults.Load(), m, now)
		r.CompleteTime = now.Add(f.timing.Reboot)
	}
	kind := "restore"
	if r.Root && r.Cloud == fleet.CloudAWS {
		kind = "replacevol"
	}
	r.TaskID = fmt.Sprintf("%s-0%016x", kind, hash64(f.seed, "restore", fmt.Sprint(len(s.restores)), snap.ID, in.Key))
	s.restores = append(s.restores, r)
	return r.read(now), true, nil
}

// RestoreQuery selects restores; empty fields match any.
type RestoreQuery struct {
	InstanceID string
	TaskIDs    []string
	Key        string
}

// Restores returns the restore journal's records the query matches,
// oldest first.
func (f *Fleet) Restores(q RestoreQuery) []RestoreRecord {
	now := f.clock.Now()
	s := &f.snaps
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []RestoreRecord
	for _, r := range s.restores {
		switch {
		case q.InstanceID != "" && !strings.EqualFold(r.InstanceID, q.InstanceID),
			len(q.TaskIDs) > 0 && !slices.Contains(q.TaskIDs, r.TaskID),
			q.Key != "" && r.Key != q.Key:
			continue
		}
		out = append(out, r.read(now))
	}
	return out
}

// Restore restores each disk of the request from its snapshot, as
// fleet.Restorer does, with fleet.CallKey(ctx) as each restore's key (a
// retry with the same key finds the earlier restores), and waits on the
// fleet's clock until they have succeeded or ctx ends (then ctx's error
// is returned with the result). A disk whose restore is refused is a
// per-disk failure.
func (f *Fleet) Restore(ctx context.Context, req fleet.RestoreRequest) (fleet.RestoreResult, error) {
	if err := ctx.Err(); err != nil {
		return fleet.RestoreResult{}, err
	}
	if err := f.throttle("Restore"); err != nil {
		return fleet.RestoreResult{}, err
	}
	out := fleet.RestoreResult{InstanceID: req.InstanceID, Disks: make([]fleet.DiskRestore, len(req.Snapshots))}
	end := f.clock.Now()
	for i, sn := range req.Snapshots {
		d := &out.Disks[i]
		d.SnapshotID, d.Disk, d.Device = sn.ID, sn.Disk, sn.Device
		r, _, err := f.RestoreDisk(RestoreInput{InstanceID: req.InstanceID, SnapshotID: sn.ID, Key: fleet.CallKey(ctx)})
		if err != nil {
			d.State, d.Error = fleet.RestoreFailed, err.Error()
			continue
		}
		d.Disk, d.Device, d.TaskID, d.State = r.Disk, r.Device, r.TaskID, fleet.RestoreDone
		d.Detail = "data disk replaced by a disk from the snapshot"
		if r.Root {
			d.Detail = fmt.Sprintf("root disk replaced from the snapshot (%d packages back to their versions then); the instance restarted", r.Changed)
		}
		end = later(end, r.CompleteTime)
	}
	if err := sleepUntil(ctx, f.clock, end); err != nil {
		for i := range out.Disks {
			if d := &out.Disks[i]; d.State == fleet.RestoreDone {
				d.State, d.Error = fleet.RestoreFailed, "stopped waiting for the restore to complete ("+err.Error()+")"
			}
		}
		return out, err
	}
	return out, nil
}

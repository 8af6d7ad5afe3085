package cloudsim

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// The fleet's disk snapshots: EBS snapshots of its EC2 instances' volumes
// and managed-disk snapshots of its Azure VMs' disks, as the emulators
// and providers/sim take, list and delete them. A snapshot is pending for
// Timing.Snapshot of simulated time after it is taken, then completed.
// Every snapshot ever taken stays in the journal (Snapshots), deleted ones
// with the time they were deleted. Save writes them (persist.go).

// Snapshot states, as EC2 spells them (Snapshot.State: pending, completed,
// error); the Azure emulator maps them onto provisioningState.
const (
	SnapshotPending   = "pending"
	SnapshotCompleted = "completed"
)

// Errors of CreateSnapshot.
var (
	// ErrUnknownDisk: the disk is not a disk of the fleet.
	ErrUnknownDisk = errors.New("no such disk")
	// ErrSnapshotSourceChanged: a snapshot of that ID exists, of another
	// disk (Azure refuses to change a snapshot's creationData).
	ErrSnapshotSourceChanged = errors.New("the snapshot exists with another source disk")
)

// SnapshotRecord is one snapshot of one disk.
type SnapshotRecord struct {
	// ID is the snapshot's ID: snap-... (AWS) or its resource ID (Azure).
	ID         string      `json:"id"`
	InstanceID string      `json:"instanceId"`
	Cloud      fleet.Cloud `json:"cloud"`
	// Account and Region are the instance's (subscription and location
	// on Azure).
	Account string `json:"account"`
	Region  string `json:"region"`
	// Disk is the snapshotted volume or managed disk; Device where it is
	// attached (Disk.Device).
	Disk    string            `json:"disk"`
	Device  string            `json:"device"`
	SizeGiB int               `json:"sizeGiB"`
	Tags    map[string]string `json:"tags,omitempty"`
	// StartTime is when the snapshot was taken and CompleteTime when it
	// is (or will be) complete, on the fleet's clock: what the clouds
	// show.
	StartTime    time.Time `json:"startTime"`
	CompleteTime time.Time `json:"completeTime"`
	// Created and Deleted are wall-clock times, as InstallRecord.Start
	// and End, so that a checker can order snapshots and installs;
	// Deleted is zero while the snapshot exists.
	Created time.Time `json:"created"`
	Deleted time.Time `json:"deleted,omitzero"`
	// State is SnapshotPending or SnapshotCompleted when read.
	State string `json:"state"`
	// Packages is, for a snapshot of a root or OS disk, the installed
	// version of each package of the instance's release when it was taken
	// (an index into the package's versions, -1 for absent): what a
	// restore of the snapshot puts back (restore.go).
	Packages []int8 `json:"packages,omitempty"`
}

// SnapshotInput asks for one snapshot of one disk.
type SnapshotInput struct {
	// Disk is the disk's ID (Disk.ID, case-insensitive).
	Disk string
	// ID is the snapshot's ID (an Azure resource ID); "" makes an EBS
	// snapshot ID.
	ID   string
	Tags map[string]string
}

// SnapshotQuery selects live (not deleted) snapshots; empty fields match
// any.
type SnapshotQuery struct {
	Cloud      fleet.Cloud
	Account    string
	Region     string
	InstanceID string
	// IDs are snapshot IDs (case-insensitive).
	IDs []string
	// Tags must all be on the snapshot with these values; TagKeys must
	// all be on it with any value.
	Tags    map[string]string
	TagKeys []string
}

// snapshotStore is the fleet's snapshots; its zero value is empty.
type snapshotStore struct {
	mu sync.Mutex
	// all is every snapshot taken, oldest first; live maps a lower-cased
	// ID to its snapshot while it exists.
	all  []*SnapshotRecord
	live map[string]*SnapshotRecord
	seq  uint64

	// disks indexes every disk by lower-cased ID (disks.go), built once.
	diskOnce sync.Once
	disks    map[string]diskRef

	// restores is the restore journal, oldest first (restore.go).
	restores []*RestoreRecord
}

// CreateSnapshot takes a snapshot of a disk now: pending until
// Timing.Snapshot has passed on the fleet's clock. With an ID that a live
// snapshot of the same disk already has, it returns that snapshot and
// created false (Azure's PUT is idempotent); of another disk, it fails
// with ErrSnapshotSourceChanged.
func (f *Fleet) CreateSnapshot(in SnapshotInput) (rec SnapshotRecord, created bool, err error) {
	inst, disk, ok := f.DiskOwner(in.Disk)
	if !ok {
		return SnapshotRecord{}, false, fmt.Errorf("cloudsim: disk %s: %w", in.Disk, ErrUnknownDisk)
	}
	var pkgs []int8
	if m := f.byID[inst.ID]; m != nil && disk.Root {
		f.lock(m)
		pkgs = slices.Clone(m.installed)
		f.unlock(m)
	}
	now := f.clock.Now()
	s := &f.snaps
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.live == nil {
		s.live = map[string]*SnapshotRecord{}
	}
	id := in.ID
	if id != "" {
		if old := s.live[strings.ToLower(id)]; old != nil {
			if !strings.EqualFold(old.Disk, disk.ID) {
				return SnapshotRecord{}, false, fmt.Errorf("cloudsim: snapshot %s of disk %s: %w", id, old.Disk, ErrSnapshotSourceChanged)
			}
			return old.read(now), false, nil
		}
	}
	for id == "" || s.live[strings.ToLower(id)] != nil {
		s.seq++
		id = fmt.Sprintf("snap-0%016x", hash64(f.seed, "snapshot", fmt.Sprint(s.seq)))
	}
	r := &SnapshotRecord{
		ID: id, InstanceID: inst.ID, Cloud: inst.Cloud, Account: inst.Account, Region: inst.Region,
		Disk: disk.ID, Device: disk.Device, SizeGiB: disk.SizeGiB, Tags: maps.Clone(in.Tags),
		StartTime: now, CompleteTime: now.Add(f.timing.Snapshot), Created: time.Now().UTC(),
		Packages: pkgs,
	}
	s.all = append(s.all, r)
	s.live[strings.ToLower(id)] = r
	return r.read(now), true, nil
}

// read returns a copy of r with its state now. Callers hold the store's
// lock.
func (r *SnapshotRecord) read(now time.Time) SnapshotRecord {
	c := *r
	c.Tags = maps.Clone(r.Tags)
	c.Packages = slices.Clone(r.Packages)
	c.State = SnapshotPending
	if !now.Before(r.CompleteTime) {
		c.State = SnapshotCompleted
	}
	return c
}

// SnapshotByID returns a live snapshot by ID (case-insensitive).
func (f *Fleet) SnapshotByID(id string) (SnapshotRecord, bool) {
	now := f.clock.Now()
	s := &f.snaps
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.live[strings.ToLower(id)]
	if r == nil {
		return SnapshotRecord{}, false
	}
	return r.read(now), true
}

// FindSnapshots returns the live snapshots the query matches, oldest
// first.
func (f *Fleet) FindSnapshots(q SnapshotQuery) []SnapshotRecord {
	now := f.clock.Now()
	ids := map[string]bool{}
	for _, id := range q.IDs {
		ids[strings.ToLower(id)] = true
	}
	s := &f.snaps
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SnapshotRecord
	for _, r := range s.all {
		if r.Deleted.IsZero() && q.matches(r, ids) {
			out = append(out, r.read(now))
		}
	}
	return out
}

func (q SnapshotQuery) matches(r *SnapshotRecord, ids map[string]bool) bool {
	switch {
	case q.Cloud != "" && r.Cloud != q.Cloud,
		q.Account != "" && !strings.EqualFold(r.Account, q.Account),
		q.Region != "" && r.Region != q.Region,
		q.InstanceID != "" && !strings.EqualFold(r.InstanceID, q.InstanceID),
		len(ids) > 0 && !ids[strings.ToLower(r.ID)]:
		return false
	}
	for k, v := range q.Tags {
		if got, ok := r.Tags[k]; !ok || got != v {
			return false
		}
	}
	for _, k := range q.TagKeys {
		if _, ok := r.Tags[k]; !ok {
			return false
		}
	}
	return true
}

// DeleteSnapshot deletes a live snapshot now; it reports false when there
// is none of that ID (never taken, or already deleted).
func (f *Fleet) DeleteSnapshot(id string) bool {
	s := &f.snaps
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.live[strings.ToLower(id)]
	if r == nil {
		return false
	}
	r.Deleted = time.Now().UTC()
	delete(s.live, strings.ToLower(id))
	return true
}

// Snapshots returns every snapshot ever taken, deleted ones included
// (with Deleted set), oldest first: the journal a checker reads (for
// example, to see that an instance's disks were snapshotted before its
// first install: Created before the InstallRecord's Start).
func (f *Fleet) Snapshots() []SnapshotRecord {
	now := f.clock.Now()
	s := &f.snaps
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]SnapshotRecord, len(s.all))
	for i, r := range s.all {
		out[i] = r.read(now)
	}
	return out
}

// savedSnapshots returns the journal for Save.
func (f *Fleet) savedSnapshots() []SnapshotRecord {
	out := f.Snapshots()
	for i := range out {
		out[i].State = ""
	}
	return out
}

// restoreSnapshots rebuilds the store from a saved journal.
func (f *Fleet) restoreSnapshots(recs []SnapshotRecord) {
	s := &f.snaps
	s.mu.Lock()
	defer s.mu.Unlock()
	s.all, s.live, s.seq = nil, map[string]*SnapshotRecord{}, uint64(len(recs))
	for _, r := range slices.Clone(recs) {
		r.State = ""
		s.all = append(s.all, &r)
		if r.Deleted.IsZero() {
			s.live[strings.ToLower(r.ID)] = &r
		}
	}
}

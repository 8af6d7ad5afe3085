package fleet

import (
	"context"
	"time"
)

// Snapshotter is implemented by providers that can snapshot the disks of
// instances before an install (EBS snapshots through EC2 CreateSnapshots,
// Azure managed-disk snapshots) and find and delete them later. The
// activities type-assert a Provider to it. Hybrid and Arc machines have no
// cloud disks: they are reported with an error.
type Snapshotter interface {
	// Snapshot snapshots every disk of at most MaxBatch instances, tags
	// each snapshot with the request's group, cycle, key and expiry, and
	// waits until they are complete or ctx ends. It is idempotent per
	// instance and request Key: a retry finds (by tag) the snapshots an
	// earlier attempt took and waits for them instead of taking more. A
	// per-instance failure is a result, not an error.
	Snapshot(ctx context.Context, req SnapshotRequest, progress Progress) ([]InstanceSnapshots, error)
	// ListSnapshots lists the snapshots fleetpatch took (found by its
	// tags) that the filter matches, in every account, region and
	// subscription the provider reaches.
	ListSnapshots(ctx context.Context, filter SnapshotFilter) ([]DiskSnapshot, error)
	// DeleteSnapshots deletes the snapshots (at most MaxBatch); a snapshot
	// already gone counts as deleted. It returns the IDs deleted.
	DeleteSnapshots(ctx context.Context, snaps []DiskSnapshot) ([]string, error)
}

// SnapshotRequest asks for snapshots of a batch's instances.
type SnapshotRequest struct {
	InstanceIDs []string `json:"instanceIds"`
	Group       string   `json:"group"`
	Cycle       string   `json:"cycle"`
	// Key names the request across retries (for example the run, wave
	// and batch); snapshots tagged with it are not taken again.
	Key string `json:"key"`
	// Expires is when the retention clean-up may delete the snapshots.
	Expires time.Time `json:"expires"`
}

// SnapshotFilter selects snapshots; empty fields match any.
type SnapshotFilter struct {
	InstanceID string `json:"instanceId,omitempty"`
	Group      string `json:"group,omitempty"`
	Cycle      string `json:"cycle,omitempty"`
	// ExpiredBefore, when set, keeps the snapshots whose expiry tag is
	// before it.
	ExpiredBefore time.Time `json:"expiredBefore,omitzero"`
}

// DiskSnapshot is one snapshot of one disk of an instance.
type DiskSnapshot struct {
	// ID is the snapshot's ID: snap-... on AWS, the snapshot's resource ID
	// on Azure.
	ID         string `json:"id"`
	InstanceID string `json:"instanceId"`
	Cloud      Cloud  `json:"cloud"`
	Account    string `json:"account"`
	Region     string `json:"region"`
	// Disk is the snapshotted volume (vol-...) or managed disk resource ID;
	// Device is where it was attached (/dev/xvda, or "os" / "lun-N").
	Disk    string    `json:"disk"`
	Device  string    `json:"device,omitempty"`
	Group   string    `json:"group,omitempty"`
	Cycle   string    `json:"cycle,omitempty"`
	Created time.Time `json:"created,omitzero"`
	Expires time.Time `json:"expires,omitzero"`
	// State is the cloud's: pending, completed, error (AWS), or the
	// snapshot's provisioningState (Azure).
	State string `json:"state"`
}

// InstanceSnapshots is how snapshotting one instance ended: its disks'
// snapshots, all complete, or the Error that says why not.
type InstanceSnapshots struct {
	InstanceID string         `json:"instanceId"`
	Snapshots  []DiskSnapshot `json:"snapshots,omitempty"`
	Error      string         `json:"error,omitempty"`
	// NoCloudDisks is set (with Error) for a machine whose disks the cloud
	// does not hold (an SSM hybrid node, an Arc-enabled server): nothing
	// can be snapshotted, and the install goes on without.
	NoCloudDisks bool `json:"noCloudDisks,omitempty"`
}

// Tag keys fleetpatch puts on its snapshots, the same on every cloud: the
// request's group, cycle, key and expiry (RFC 3339), the instance, and on
// Azure the disk's device ("os" or "lun-N"). The key tag marks a snapshot
// as fleetpatch's: only those are listed and deleted.
const (
	SnapshotTagGroup    = "fleetpatch:group"
	SnapshotTagCycle    = "fleetpatch:cycle"
	SnapshotTagKey      = "fleetpatch:key"
	SnapshotTagExpires  = "fleetpatch:expires"
	SnapshotTagInstance = "fleetpatch:instance"
	SnapshotTagDevice   = "fleetpatch:device"
)

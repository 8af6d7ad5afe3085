package fleet

import "context"

// Restorer is implemented by providers that can roll an instance's disks
// back to snapshots fleetpatch took before an install (`starter restore
// --apply`): on AWS a root-volume replacement task
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateReplaceRootVolumeTask.html).
// The activities type-assert a Provider to it; a provider without it
// cannot restore, and the operator runs the printed steps instead.
type Restorer interface {
	// Restore puts each disk of the request back to its snapshot and
	// waits until the cloud says the disk is restored or ctx ends. It is
	// idempotent per call key (WithCallKey): a retry with the same key
	// finds the task an earlier attempt started and waits for it instead
	// of starting another. A disk the provider does not restore itself is
	// a per-disk result (RestoreNotAutomated), a disk that fails is a
	// per-disk Error; the error is for a call that failed as a whole.
	Restore(ctx context.Context, req RestoreRequest) (RestoreResult, error)
}

// RestoreRequest asks to roll one instance's disks back to snapshots.
type RestoreRequest struct {
	InstanceID string `json:"instanceId"`
	// Snapshots are the instance's disk snapshots to restore, as the
	// cycle's report lists them (ID, Disk, Device, Cloud, Account,
	// Region).
	Snapshots []DiskSnapshot `json:"snapshots"`
}

// States of a DiskRestore.
const (
	// RestoreDone: the disk is back to its snapshot.
	RestoreDone = "restored"
	// RestoreNotAutomated: the provider does not restore this kind of disk
	// itself; the operator runs the printed steps (`starter restore`
	// without --apply).
	RestoreNotAutomated = "not-automated"
	// RestoreFailed: the restore of the disk failed (see Error).
	RestoreFailed = "failed"
)

// RestoreResult is what Restore did to each disk of the request, in the
// request's order.
type RestoreResult struct {
	InstanceID string        `json:"instanceId"`
	Disks      []DiskRestore `json:"disks"`
}

// DiskRestore is what was done to one disk.
type DiskRestore struct {
	SnapshotID string `json:"snapshotId"`
	Disk       string `json:"disk"`
	Device     string `json:"device,omitempty"`
	// State is RestoreDone, RestoreNotAutomated or RestoreFailed.
	State string `json:"state"`
	// TaskID is the cloud's task or operation that restored the disk (a
	// replacevol-... task on AWS).
	TaskID string `json:"taskId,omitempty"`
	// Detail says how the disk was restored, or why not.
	Detail string `json:"detail,omitempty"`
	Error  string `json:"error,omitempty"`
}

// Restored reports whether every disk of the result was restored.
func (r RestoreResult) Restored() bool {
	for _, d := range r.Disks {
		if d.State != RestoreDone {
			return false
		}
	}
	return len(r.Disks) > 0
}

// ErrRestoreNotAvailable marks a restore that the instance's provider
// cannot perform (it does not implement Restorer, as the Azure provider
// does not yet): the operator runs the printed steps instead.
var ErrRestoreNotAvailable = errorString("fleet: restore --apply is not available for the instance's cloud: run the printed steps")

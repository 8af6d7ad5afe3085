package activities

import (
	"context"
	"fmt"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Retention bounds, in days. A cycle's artifacts serve its own week (the
// rollout, RetryFailed, the approval checks); reports, kept by the report
// destinations, are the long-term record.
const (
	DefaultRetainDays = 35
	MinRetainDays     = 14
	MaxRetainDays     = 3660
)

// CleanArtifactsInput says how long to keep a cycle's artifacts after its
// week ends.
type CleanArtifactsInput struct {
	RetainDays int `json:"retainDays"`
}

// CleanArtifactsResult counts what a clean-up removed.
type CleanArtifactsResult struct {
	// Cycles lists the group cycles removed, as group/cycle.
	Cycles  []string `json:"cycles,omitempty"`
	Objects int      `json:"objects"`
	// Kept is how many group cycles are still within the retention.
	Kept int `json:"kept"`
	// Unknown counts keys under cycles/ that name no group cycle; they are
	// left alone.
	Unknown int `json:"unknown"`
	// Snapshots counts the disk snapshots deleted because their retention
	// (the group's snapshot.retain) has passed.
	Snapshots int `json:"snapshots,omitempty"`
}

// CleanArtifacts deletes the artifacts of every group cycle whose ISO week
// ended more than RetainDays ago (everything under cycles/<group>/<cycle>/,
// the Azure resume tokens of its runs included). It lists the store once,
// deletes in key order and heartbeats its progress; a retry after a crash
// lists again and deletes what is left, so it is idempotent.
func (a *Activities) CleanArtifacts(ctx context.Context, in CleanArtifactsInput) (CleanArtifactsResult, error) {
	var res CleanArtifactsResult
	if in.RetainDays < MinRetainDays || in.RetainDays > MaxRetainDays {
		return res, badInput("retainDays %d is not between %d and %d", in.RetainDays, MinRetainDays, MaxRetainDays)
	}
	keys, err := a.Store.List(ctx, "cycles/")
	if err != nil {
		return res, err
	}
	cutoff := a.now().UTC().AddDate(0, 0, -in.RetainDays)
	progress, stop := heartbeater(ctx, "clean artifacts")
	defer stop()
	seen := map[string]bool{}
	for i, k := range keys {
		parts := strings.SplitN(k, "/", 4)
		if len(parts) < 4 || ValidateGroup(parts[1]) != nil {
			res.Unknown++
			continue
		}
		monday, err := cycleMonday(parts[2])
		if err != nil {
			res.Unknown++
			continue
		}
		gc := parts[1] + "/" + parts[2]
		expired := !monday.AddDate(0, 0, 7).After(cutoff)
		if !seen[gc] {
			seen[gc] = true
			if expired {
				res.Cycles = append(res.Cycles, gc)
			} else {
				res.Kept++
			}
		}
		if !expired {
			continue
		}
		if err := a.Store.Delete(ctx, k); err != nil {
			return res, fmt.Errorf("clean %s: %w", gc, err)
		}
		res.Objects++
		progress(i+1, len(keys))
		if ctx.Err() != nil {
			return res, ctx.Err()
		}
	}
	n, err := a.deleteExpiredSnapshots(ctx)
	res.Snapshots = n
	return res, err
}

// deleteExpiredSnapshots deletes the disk snapshots fleetpatch took whose
// expiry tag has passed (none when the provider takes no snapshots).
func (a *Activities) deleteExpiredSnapshots(ctx context.Context) (int, error) {
	snap, ok := a.Provider.(fleet.Snapshotter)
	if !ok {
		return 0, nil
	}
	expired, err := snap.ListSnapshots(ctx, fleet.SnapshotFilter{ExpiredBefore: a.now()})
	if err != nil {
		return 0, providerError("list snapshots", err)
	}
	progress, stop := heartbeater(ctx, "delete snapshots")
	defer stop()
	n := 0
	for start := 0; start < len(expired); start += fleet.MaxBatch {
		ids, err := snap.DeleteSnapshots(ctx, expired[start:min(len(expired), start+fleet.MaxBatch)])
		n += len(ids)
		if err != nil {
			return n, providerError("delete snapshots", err)
		}
		progress(n, len(expired))
	}
	return n, nil
}

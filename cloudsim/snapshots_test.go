package cloudsim_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// snapFleet is a fleet whose snapshots take 3 simulated minutes.
func snapFleet(t *testing.T, n int, clock cloudsim.Clock) *cloudsim.Fleet {
	t.Helper()
	return cloudsim.Generate(cloudsim.Config{Seed: 21, Instances: n, Now: t0, Clock: clock,
		Timing: &cloudsim.Timing{Snapshot: 3 * time.Minute}})
}

// snapTargets returns the first instances the predicate picks.
func snapTargets(f *cloudsim.Fleet, n int, keep func(fleet.Instance) bool) []string {
	var out []string
	for _, in := range f.Instances() {
		if len(out) < n && keep(in) {
			out = append(out, in.ID)
		}
	}
	return out
}

func ec2Instance(in fleet.Instance) bool {
	return in.Cloud == fleet.CloudAWS && strings.HasPrefix(in.ID, "i-")
}

func TestDisksAreDeterministicPerCloudAndPlatform(t *testing.T) {
	f := snapFleet(t, 400, cloudsim.NewVirtualClock(t0))
	g := snapFleet(t, 400, cloudsim.NewVirtualClock(t0))
	withData, hybrid, azure := 0, 0, 0
	for _, in := range f.Instances() {
		disks, err := f.Disks(in.ID)
		again, _ := g.Disks(in.ID)
		require.Equal(t, again, disks, "the same seed gives the same disks")
		if strings.HasPrefix(in.ID, "mi-") {
			hybrid++
			require.ErrorIs(t, err, cloudsim.ErrNoCloudDisks)
			continue
		}
		require.NoError(t, err)
		require.True(t, disks[0].Root)
		if len(disks) > 1 {
			withData++
		}
		switch {
		case in.Cloud == fleet.CloudAzure:
			azure++
			prefix := "/subscriptions/" + in.Account + "/resourceGroups/" + in.ResourceGroup + "/providers/Microsoft.Compute/disks/" + in.Name + "_OsDisk_1_"
			require.True(t, strings.HasPrefix(disks[0].ID, prefix), disks[0].ID)
			require.Equal(t, "os", disks[0].Device)
			if len(disks) > 1 {
				require.Equal(t, cloudsim.Disk{ID: disks[1].ID, Name: in.Name + "_DataDisk_0", Device: "lun-0", Lun: 0, SizeGiB: 128}, disks[1])
			}
		case in.OS.IsWindows():
			require.Equal(t, "/dev/sda1", disks[0].Device)
		default:
			require.Equal(t, "/dev/xvda", disks[0].Device)
			require.Regexp(t, `^vol-0[0-9a-f]{16}$`, disks[0].ID)
		}
		owner, d, ok := f.DiskOwner(strings.ToUpper(disks[len(disks)-1].ID[:1]) + disks[len(disks)-1].ID[1:])
		require.True(t, ok)
		require.Equal(t, in.ID, owner.ID)
		require.Equal(t, disks[len(disks)-1], d)
	}
	require.Positive(t, hybrid)
	require.Positive(t, azure)
	assert.InDelta(t, cloudsim.DataDiskShare, float64(withData)/float64(400-hybrid), 0.1)
	_, err := f.Disks("i-0nope")
	require.Error(t, err)
}

func TestSnapshotWaitsForCompletionAndIsIdempotentPerKey(t *testing.T) {
	clock := cloudsim.NewVirtualClock(t0)
	f := snapFleet(t, 200, clock)
	ids := append(snapTargets(f, 3, ec2Instance), snapTargets(f, 2, func(in fleet.Instance) bool { return in.Cloud == fleet.CloudAzure })...)
	hybrid := snapTargets(f, 1, func(in fleet.Instance) bool { return strings.HasPrefix(in.ID, "mi-") })
	require.Len(t, hybrid, 1)
	expires := t0.Add(14 * 24 * time.Hour)
	req := fleet.SnapshotRequest{InstanceIDs: append(append([]string{}, ids...), hybrid[0], "i-0unknown"),
		Group: "prod-auto", Cycle: "2026-W48", Key: "run-1/wave-0/batch-0", Expires: expires}
	var calls int
	out, err := f.Snapshot(context.Background(), req, func(done, total int) { calls++ })
	require.NoError(t, err)
	require.Equal(t, len(req.InstanceIDs), calls, "progress after each instance")
	require.Equal(t, t0.Add(3*time.Minute), clock.Now(), "waited for the snapshots in simulated time")

	taken := 0
	for i, id := range ids {
		require.Equal(t, id, out[i].InstanceID)
		require.Empty(t, out[i].Error)
		disks, _ := f.Disks(id)
		require.Len(t, out[i].Snapshots, len(disks))
		for k, s := range out[i].Snapshots {
			taken++
			assert.Equal(t, disks[k].ID, s.Disk)
			assert.Equal(t, disks[k].Device, s.Device)
			assert.Equal(t, cloudsim.SnapshotCompleted, s.State)
			assert.Equal(t, "prod-auto", s.Group)
			assert.Equal(t, "2026-W48", s.Cycle)
			assert.Equal(t, expires, s.Expires)
			assert.Equal(t, t0, s.Created)
		}
	}
	require.ErrorContains(t, errors.New(out[len(ids)].Error), "hybrid node")
	require.Contains(t, out[len(ids)+1].Error, "InvalidInstanceId")
	journal := f.Snapshots()
	require.Len(t, journal, taken)
	rec := journal[0]
	assert.Equal(t, ids[0], rec.InstanceID)
	assert.Equal(t, t0.Add(3*time.Minute), rec.CompleteTime)
	assert.Equal(t, "run-1/wave-0/batch-0", rec.Tags[fleet.SnapshotTagKey])
	assert.Equal(t, expires.Format(time.RFC3339), rec.Tags[fleet.SnapshotTagExpires])
	assert.WithinDuration(t, time.Now(), rec.Created, time.Minute, "Created is wall-clock time")

	// The same key again: the same snapshots, none taken, no wait.
	again, err := f.Snapshot(context.Background(), req, nil)
	require.NoError(t, err)
	require.Equal(t, out, again)
	require.Len(t, f.Snapshots(), taken, "a retry takes no new snapshot")
	require.Equal(t, t0.Add(3*time.Minute), clock.Now())

	// Another key snapshots again.
	req.Key = "run-2/wave-0/batch-0"
	_, err = f.Snapshot(context.Background(), req, nil)
	require.NoError(t, err)
	require.Len(t, f.Snapshots(), 2*taken)
}

func TestSnapshotStoppedBeforeCompletionResumesWithoutNewSnapshots(t *testing.T) {
	clock := cloudsim.NewManualClock(t0)
	f := snapFleet(t, 100, clock)
	ids := snapTargets(f, 2, ec2Instance)
	req := fleet.SnapshotRequest{InstanceIDs: ids, Key: "k1", Group: "nonprod", Cycle: "2026-W48"}
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		out []fleet.InstanceSnapshots
		err error
	}
	done := make(chan result)
	go func() {
		out, err := f.Snapshot(ctx, req, nil)
		done <- result{out, err}
	}()
	require.Eventually(t, func() bool { return clock.Sleepers() == 1 }, 5*time.Second, time.Millisecond)
	for _, r := range f.Snapshots() {
		require.Equal(t, cloudsim.SnapshotPending, r.State)
	}
	cancel()
	res := <-done
	require.ErrorIs(t, res.err, context.Canceled)
	for _, o := range res.out {
		require.Contains(t, o.Error, "stopped waiting")
		require.NotEmpty(t, o.Snapshots)
		require.Equal(t, cloudsim.SnapshotPending, o.Snapshots[0].State)
	}
	n := len(f.Snapshots())

	clock.Advance(3 * time.Minute)
	out, err := f.Snapshot(context.Background(), req, nil)
	require.NoError(t, err)
	require.Len(t, f.Snapshots(), n, "the retry found the snapshots of the first attempt")
	for i := range out {
		require.Empty(t, out[i].Error)
		require.Equal(t, res.out[i].Snapshots[0].ID, out[i].Snapshots[0].ID)
		require.Equal(t, cloudsim.SnapshotCompleted, out[i].Snapshots[0].State)
	}
}

func TestListAndDeleteSnapshots(t *testing.T) {
	clock := cloudsim.NewVirtualClock(t0)
	f := snapFleet(t, 100, clock)
	ids := snapTargets(f, 4, ec2Instance)
	ctx := context.Background()
	old := fleet.SnapshotRequest{InstanceIDs: ids[:2], Group: "prod-auto", Cycle: "2026-W46", Key: "a", Expires: t0.Add(time.Hour)}
	recent := fleet.SnapshotRequest{InstanceIDs: ids[2:], Group: "prod-auto", Cycle: "2026-W48", Key: "b", Expires: t0.Add(30 * 24 * time.Hour)}
	for _, r := range []fleet.SnapshotRequest{old, recent} {
		_, err := f.Snapshot(ctx, r, nil)
		require.NoError(t, err)
	}
	disks, _ := f.Disks(ids[0])
	foreign, _, err := f.CreateSnapshot(cloudsim.SnapshotInput{Disk: disks[0].ID, Tags: map[string]string{"Name": "manual backup"}})
	require.NoError(t, err)

	all, err := f.ListSnapshots(ctx, fleet.SnapshotFilter{})
	require.NoError(t, err)
	require.Len(t, all, len(f.Snapshots())-1, "only what fleetpatch took")
	byCycle, err := f.ListSnapshots(ctx, fleet.SnapshotFilter{Cycle: "2026-W48"})
	require.NoError(t, err)
	byInstance, err := f.ListSnapshots(ctx, fleet.SnapshotFilter{InstanceID: ids[3]})
	require.NoError(t, err)
	require.NotEmpty(t, byInstance)
	for _, s := range byInstance {
		require.Equal(t, ids[3], s.InstanceID)
	}
	expired, err := f.ListSnapshots(ctx, fleet.SnapshotFilter{Group: "prod-auto", ExpiredBefore: t0.Add(24 * time.Hour)})
	require.NoError(t, err)
	require.Len(t, expired, len(all)-len(byCycle))
	for _, s := range expired {
		require.Equal(t, "2026-W46", s.Cycle)
	}

	deleted, err := f.DeleteSnapshots(ctx, append(expired, fleet.DiskSnapshot{ID: "snap-0gone"}))
	require.NoError(t, err)
	require.Len(t, deleted, len(expired)+1, "a snapshot already gone counts as deleted")
	left, err := f.ListSnapshots(ctx, fleet.SnapshotFilter{})
	require.NoError(t, err)
	require.Equal(t, byCycle, left)
	for _, r := range f.Snapshots() {
		assert.Equal(t, r.Tags[fleet.SnapshotTagCycle] == "2026-W46", !r.Deleted.IsZero(), r.ID)
	}

	deleted, err = f.DeleteSnapshots(ctx, []fleet.DiskSnapshot{{ID: foreign.ID}, left[0]})
	require.ErrorIs(t, err, fleet.ErrPermanent)
	require.ErrorContains(t, err, foreign.ID)
	require.Equal(t, []string{left[0].ID}, deleted)
	_, ok := f.SnapshotByID(foreign.ID)
	require.True(t, ok, "a snapshot fleetpatch did not take is never deleted")
}

func TestCreateSnapshotByIDIsIdempotent(t *testing.T) {
	f := snapFleet(t, 100, cloudsim.NewVirtualClock(t0))
	vm := snapTargets(f, 1, func(in fleet.Instance) bool { return in.Cloud == fleet.CloudAzure })[0]
	disks, _ := f.Disks(vm)
	id := "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Compute/snapshots/s1"
	a, created, err := f.CreateSnapshot(cloudsim.SnapshotInput{Disk: disks[0].ID, ID: id})
	require.NoError(t, err)
	require.True(t, created)
	b, created, err := f.CreateSnapshot(cloudsim.SnapshotInput{Disk: strings.ToUpper(disks[0].ID), ID: strings.ToLower(id)})
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, a, b)
	ec2 := snapTargets(f, 1, ec2Instance)[0]
	other, _ := f.Disks(ec2)
	_, _, err = f.CreateSnapshot(cloudsim.SnapshotInput{Disk: other[0].ID, ID: id})
	require.ErrorIs(t, err, cloudsim.ErrSnapshotSourceChanged)
	_, _, err = f.CreateSnapshot(cloudsim.SnapshotInput{Disk: "vol-0nope"})
	require.ErrorIs(t, err, cloudsim.ErrUnknownDisk)
	require.Len(t, f.Snapshots(), 1)
}

func TestSnapshotsSurviveSaveAndLoad(t *testing.T) {
	clock := cloudsim.NewVirtualClock(t0)
	f := snapFleet(t, 100, clock)
	ids := snapTargets(f, 3, ec2Instance)
	ctx := context.Background()
	out, err := f.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: ids, Key: "k", Cycle: "2026-W48"}, nil)
	require.NoError(t, err)
	_, err = f.DeleteSnapshots(ctx, out[0].Snapshots)
	require.NoError(t, err)

	path := filepath.Join(t.TempDir(), "fleet.json.gz")
	require.NoError(t, f.Save(path))
	g, err := cloudsim.LoadWithClock(path, cloudsim.NewVirtualClock(clock.Now()))
	require.NoError(t, err)
	require.Equal(t, f.Snapshots(), g.Snapshots())
	listF, _ := f.ListSnapshots(ctx, fleet.SnapshotFilter{})
	listG, _ := g.ListSnapshots(ctx, fleet.SnapshotFilter{})
	require.Equal(t, listF, listG)
	again, err := g.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: ids[1:], Key: "k", Cycle: "2026-W48"}, nil)
	require.NoError(t, err)
	require.Equal(t, out[1:], again, "the loaded fleet finds the snapshots")
	require.Len(t, g.Snapshots(), len(f.Snapshots()))
}

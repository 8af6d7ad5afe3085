package cloudsim_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// snapshotBeforeInstall snapshots an EC2 instance with a data disk that
// misses patches, then installs them all: it returns the instance, its
// snapshots, the patches it missed and its inventory before the install.
func snapshotBeforeInstall(t *testing.T, f *cloudsim.Fleet, clock *cloudsim.VirtualClock) (string, []fleet.DiskSnapshot, []string, map[string]string) {
	t.Helper()
	ctx := context.Background()
	for _, in := range f.Instances() {
		disks, _ := f.Disks(in.ID)
		pending, _ := f.PendingPatches(in.ID)
		if !ec2Instance(in) || len(disks) < 2 || len(pending) == 0 {
			continue
		}
		before := inventory(t, f, in.ID)
		res, err := f.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: []string{in.ID}, Key: "k1", Group: "g", Cycle: "2026-W48"}, nil)
		require.NoError(t, err)
		require.Empty(t, res[0].Error)
		require.Len(t, res[0].Snapshots, 2)
		got := installOne(t, f, in.ID, fleet.RebootIfNeeded, patchIDs(pending)...)
		require.Empty(t, got.Error)
		clock.Advance(time.Hour)
		require.NotEqual(t, before, inventory(t, f, in.ID), "the install changed packages")
		return in.ID, res[0].Snapshots, patchIDs(pending), before
	}
	t.Fatal("no EC2 instance with a data disk misses patches")
	return "", nil, nil, nil
}

func TestRestorePutsBackThePackagesOfTheRootSnapshot(t *testing.T) {
	f, clock := virtualFleet(300, 21, cloudsim.Faults{})
	id, snaps, missed, before := snapshotBeforeInstall(t, f, clock)
	after, err := f.PendingPatches(id)
	require.NoError(t, err)
	require.Empty(t, after, "installed: nothing pending")
	c, _ := f.Counters(id)
	reboots := c.Reboots

	ctx := fleet.WithCallKey(context.Background(), "restore-1")
	res, err := f.Restore(ctx, fleet.RestoreRequest{InstanceID: id, Snapshots: snaps})
	require.NoError(t, err)
	require.True(t, res.Restored(), "%+v", res)
	assert.Regexp(t, `^replacevol-0[0-9a-f]{16}$`, res.Disks[0].TaskID, "the root volume through a replacement task")
	assert.Regexp(t, `^restore-0[0-9a-f]{16}$`, res.Disks[1].TaskID)

	assert.Equal(t, before, inventory(t, f, id), "the packages are back to their versions before the install")
	pending, err := f.PendingPatches(id)
	require.NoError(t, err)
	assert.ElementsMatch(t, missed, patchIDs(pending), "the installed patches are missing again")
	c, _ = f.Counters(id)
	assert.Equal(t, reboots+1, c.Reboots, "the root restore is a reboot; the data disk's is not")

	journal := f.Restores(cloudsim.RestoreQuery{InstanceID: id})
	require.Len(t, journal, 2)
	assert.True(t, journal[0].Root)
	assert.Positive(t, journal[0].Changed)
	assert.Equal(t, cloudsim.RestoreSucceeded, journal[0].State)
	assert.False(t, journal[1].Root)
	assert.Zero(t, journal[1].Changed)

	// A retry with the same key restores nothing again.
	again, err := f.Restore(ctx, fleet.RestoreRequest{InstanceID: id, Snapshots: snaps})
	require.NoError(t, err)
	assert.Equal(t, res, again)
	assert.Len(t, f.Restores(cloudsim.RestoreQuery{InstanceID: id}), 2)
	c, _ = f.Counters(id)
	assert.Equal(t, reboots+1, c.Reboots)
}

func TestRestoreTaskStatesFollowTheClock(t *testing.T) {
	f, clock := virtualFleet(300, 21, cloudsim.Faults{})
	id, snaps, _, _ := snapshotBeforeInstall(t, f, clock)
	r, created, err := f.RestoreDisk(cloudsim.RestoreInput{InstanceID: id, SnapshotID: snaps[0].ID, Key: "tok"})
	require.NoError(t, err)
	require.True(t, created)
	assert.Equal(t, cloudsim.RestorePending, r.State)
	reboot := f.Timing().Reboot
	clock.Advance(reboot / 2)
	assert.Equal(t, cloudsim.RestoreInProgress, f.Restores(cloudsim.RestoreQuery{TaskIDs: []string{r.TaskID}})[0].State)
	clock.Advance(reboot)
	assert.Equal(t, cloudsim.RestoreSucceeded, f.Restores(cloudsim.RestoreQuery{Key: "tok"})[0].State)
	same, created, err := f.RestoreDisk(cloudsim.RestoreInput{InstanceID: id, SnapshotID: snaps[0].ID, Key: "tok"})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, r.TaskID, same.TaskID)
}

func TestRestoreRefusals(t *testing.T) {
	f, clock := virtualFleet(300, 21, cloudsim.Faults{})
	id, snaps, _, _ := snapshotBeforeInstall(t, f, clock)
	other := snapTargets(f, 2, func(in fleet.Instance) bool { return ec2Instance(in) && in.ID != id })[0]
	_, _, err := f.RestoreDisk(cloudsim.RestoreInput{InstanceID: other, SnapshotID: snaps[0].ID})
	assert.ErrorIs(t, err, cloudsim.ErrSnapshotNotOfInstance)
	_, _, err = f.RestoreDisk(cloudsim.RestoreInput{InstanceID: id, SnapshotID: "snap-0000000000000000"})
	assert.ErrorIs(t, err, cloudsim.ErrSnapshotNotFound)

	res, err := f.Snapshot(context.Background(), fleet.SnapshotRequest{InstanceIDs: []string{other}, Key: "k2"}, nil)
	require.NoError(t, err)
	require.NotEmpty(t, res[0].Snapshots)
	// A snapshot still pending cannot be restored: take one without waiting.
	disks, _ := f.Disks(other)
	pending, _, err := f.CreateSnapshot(cloudsim.SnapshotInput{Disk: disks[0].ID})
	require.NoError(t, err)
	_, _, err = f.RestoreDisk(cloudsim.RestoreInput{InstanceID: other, SnapshotID: pending.ID})
	assert.ErrorIs(t, err, cloudsim.ErrSnapshotNotCompleted)
	assert.Empty(t, f.Restores(cloudsim.RestoreQuery{InstanceID: other}))
}

func TestRootSnapshotPackagesSurviveSaveAndLoad(t *testing.T) {
	f, clock := virtualFleet(300, 21, cloudsim.Faults{})
	id, snaps, _, before := snapshotBeforeInstall(t, f, clock)
	path := t.TempDir() + "/fleet.json.gz"
	require.NoError(t, f.Save(path))
	g, err := cloudsim.LoadWithClock(path, cloudsim.NewVirtualClock(clock.Now()))
	require.NoError(t, err)
	res, err := g.Restore(context.Background(), fleet.RestoreRequest{InstanceID: id, Snapshots: snaps[:1]})
	require.NoError(t, err)
	require.True(t, res.Restored(), "%+v", res)
	assert.Equal(t, before, inventory(t, g, id))
}

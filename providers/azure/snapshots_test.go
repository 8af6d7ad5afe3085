package azure_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/azure"
)

// snapVMs returns n Azure VMs of the fleet, the first with a data disk.
func (e *env) snapVMs(t *testing.T, n int) []string {
	t.Helper()
	var with, without []string
	for _, in := range e.fleet.Instances() {
		if in.Cloud != fleet.CloudAzure || e.front.ArcID(in.ID) != "" {
			continue
		}
		if d, _ := e.fleet.Disks(in.ID); len(d) == 2 {
			with = append(with, in.ID)
		} else {
			without = append(without, in.ID)
		}
	}
	require.NotEmpty(t, with)
	out := append(with[:1], without...)
	require.GreaterOrEqual(t, len(out), n)
	return out[:n]
}

// snapshotPuts counts the snapshot PUTs the emulator accepted.
func (e *env) snapshotPuts() int {
	n := 0
	for _, c := range e.front.Calls() {
		if c.Op == "snapshots" && c.Method == http.MethodPut && c.Status < 300 {
			n++
		}
	}
	return n
}

func TestSnapshotVMDisksIsIdempotentPerKey(t *testing.T) {
	var arcID string
	e := newEnvOver(t, 60, func(f *cloudsim.Fleet) azurefront.Options {
		for _, in := range f.Instances() {
			if in.Cloud == fleet.CloudAzure && arcID == "" {
				arcID = in.ID
			}
		}
		return azurefront.Options{ArcMachines: []string{arcID}}
	}, nil)
	vms := e.snapVMs(t, 3)
	expires := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	req := fleet.SnapshotRequest{InstanceIDs: append(append([]string{}, vms...), e.front.ArcID(arcID), "not-an-id"),
		Group: "prod-auto", Cycle: "2026-W48", Key: "run-1/w0/b0", Expires: expires}
	var mu sync.Mutex
	most := 0
	out, err := e.prov.Snapshot(t.Context(), req, func(done, total int) { // called from the machines' goroutines
		mu.Lock()
		most = max(most, done)
		mu.Unlock()
	})
	require.NoError(t, err)
	require.Equal(t, len(req.InstanceIDs), most)

	disks := 0
	for i, id := range vms {
		o := out[i]
		require.Empty(t, o.Error, id)
		want, _ := e.fleet.Disks(id)
		disks += len(want)
		require.Len(t, o.Snapshots, len(want))
		in, _ := e.fleet.Instance(id)
		for k, s := range o.Snapshots {
			assert.Equal(t, want[k].ID, s.Disk)
			assert.Equal(t, want[k].Device, s.Device)
			assert.Equal(t, "Succeeded", s.State)
			assert.Equal(t, fleet.DiskSnapshot{ID: s.ID, InstanceID: id, Cloud: fleet.CloudAzure, Account: in.Account, Region: in.Region,
				Disk: s.Disk, Device: s.Device, Group: "prod-auto", Cycle: "2026-W48", Created: s.Created, Expires: expires, State: "Succeeded"}, s)
			prefix := "/subscriptions/" + in.Account + "/resourceGroups/" + in.ResourceGroup + "/providers/Microsoft.Compute/snapshots/fp-" + in.Name + "-"
			assert.True(t, strings.HasPrefix(s.ID, prefix), s.ID)
		}
	}
	require.Greater(t, disks, len(vms), "a VM with a data disk")
	assert.Contains(t, out[len(vms)].Error, "Arc")
	assert.NotEmpty(t, out[len(vms)+1].Error)
	journal := e.fleet.Snapshots()
	require.Len(t, journal, disks, "one snapshot per disk, from the emulator's records")
	for _, r := range journal {
		assert.Equal(t, "run-1/w0/b0", r.Tags["fleetpatch:key"])
		assert.Equal(t, r.InstanceID, r.Tags["fleetpatch:instance"])
		assert.Equal(t, r.Device, r.Tags["fleetpatch:device"])
	}
	require.Equal(t, disks, e.snapshotPuts())

	// The same key again: found by name, no PUT, nothing new.
	again, err := e.prov.Snapshot(t.Context(), req, nil)
	require.NoError(t, err)
	require.Equal(t, out, again)
	require.Len(t, e.fleet.Snapshots(), disks, "the emulator took no new snapshot")
	require.Equal(t, disks, e.snapshotPuts(), "no PUT on the retry")

	// Another key takes new ones.
	_, err = e.prov.Snapshot(t.Context(), fleet.SnapshotRequest{InstanceIDs: vms[:1], Key: "run-2/w0/b0"}, nil)
	require.NoError(t, err)
	first, _ := e.fleet.Disks(vms[0])
	require.Len(t, e.fleet.Snapshots(), disks+len(first))
}

func TestListAndDeleteVMSnapshotsByFilterAndExpiry(t *testing.T) {
	e := newEnv(t, 60, azurefront.Options{PageSize: 2}, nil)
	vms := e.snapVMs(t, 4)
	ctx := t.Context()
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	_, err := e.prov.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: vms[:2], Group: "prod-auto", Cycle: "2026-W46", Key: "old", Expires: now.Add(-time.Hour)}, nil)
	require.NoError(t, err)
	_, err = e.prov.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: vms[2:], Group: "prod-auto", Cycle: "2026-W48", Key: "new", Expires: now.Add(14 * 24 * time.Hour)}, nil)
	require.NoError(t, err)
	in, _ := e.fleet.Instance(vms[0])
	disks, _ := e.fleet.Disks(vms[0])
	foreignID := "/subscriptions/" + in.Account + "/resourceGroups/" + in.ResourceGroup + "/providers/Microsoft.Compute/snapshots/manual-backup"
	_, _, err = e.fleet.CreateSnapshot(cloudsim.SnapshotInput{Disk: disks[0].ID, ID: foreignID, Tags: map[string]string{"owner": "dba"}})
	require.NoError(t, err)

	all, err := e.prov.ListSnapshots(ctx, fleet.SnapshotFilter{})
	require.NoError(t, err)
	require.Len(t, all, len(e.fleet.Snapshots())-1, "every target subscription, fleetpatch's only, every page")
	one, err := e.prov.ListSnapshots(ctx, fleet.SnapshotFilter{InstanceID: vms[3]})
	require.NoError(t, err)
	require.NotEmpty(t, one)
	for _, s := range one {
		require.Equal(t, vms[3], s.InstanceID)
	}
	newer, err := e.prov.ListSnapshots(ctx, fleet.SnapshotFilter{Group: "prod-auto", Cycle: "2026-W48"})
	require.NoError(t, err)
	expired, err := e.prov.ListSnapshots(ctx, fleet.SnapshotFilter{ExpiredBefore: now})
	require.NoError(t, err)
	require.Len(t, expired, len(all)-len(newer))
	for _, s := range expired {
		require.Equal(t, "2026-W46", s.Cycle)
	}

	require.True(t, e.fleet.DeleteSnapshot(expired[0].ID))
	deleted, err := e.prov.DeleteSnapshots(ctx, expired)
	require.NoError(t, err)
	require.Len(t, deleted, len(expired), "the one already gone counts as deleted")
	left, err := e.prov.ListSnapshots(ctx, fleet.SnapshotFilter{})
	require.NoError(t, err)
	require.ElementsMatch(t, newer, left)
	for _, r := range e.fleet.Snapshots() {
		assert.Equal(t, r.Tags["fleetpatch:cycle"] == "2026-W46", !r.Deleted.IsZero(), r.ID)
	}

	deleted, err = e.prov.DeleteSnapshots(ctx, []fleet.DiskSnapshot{{ID: foreignID}, left[0]})
	require.ErrorIs(t, err, fleet.ErrPermanent)
	require.ErrorContains(t, err, "manual-backup")
	require.Equal(t, []string{left[0].ID}, deleted)
	_, ok := e.fleet.SnapshotByID(foreignID)
	require.True(t, ok, "a snapshot fleetpatch did not take is never deleted")
}

func TestSnapshotDeniedAndThrottled(t *testing.T) {
	e := newEnv(t, 40, azurefront.Options{}, func(c *azure.Config) { c.MaxRetries = 1 })
	vms := e.snapVMs(t, 2)
	in, _ := e.fleet.Instance(vms[0])
	e.front.DenyAction(in.Account, "Microsoft.Compute/snapshots/write", "no role assignment grants it")
	_, err := e.prov.Snapshot(t.Context(), fleet.SnapshotRequest{InstanceIDs: vms, Key: "k"}, nil)
	require.ErrorIs(t, err, fleet.ErrPermanent)
	require.ErrorContains(t, err, "Microsoft.Compute/snapshots/write")
	for _, r := range e.fleet.Snapshots() {
		require.NotEqual(t, in.Account, r.Account, "nothing taken in the denied subscription")
	}
	e.front.DenyAction(in.Account, "Microsoft.Compute/snapshots/write", "")

	e.front.ThrottleNext(1000)
	_, err = e.prov.ListSnapshots(t.Context(), fleet.SnapshotFilter{})
	require.ErrorIs(t, err, fleet.ErrThrottled)
	e.front.ThrottleNext(0)

	_, err = e.prov.Snapshot(t.Context(), fleet.SnapshotRequest{InstanceIDs: vms}, nil)
	require.ErrorIs(t, err, fleet.ErrPermanent, "a request without a key")
}

package sim_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

func TestRestoreThroughTheProvider(t *testing.T) {
	p := newProvider(200, 33)
	f := p.Fleet()
	ctx := context.Background()
	var id string
	var pending []fleet.PatchOnInstance
	for _, in := range f.Instances() {
		if pending, _ = f.PendingPatches(in.ID); in.Cloud == fleet.CloudAzure && len(pending) > 0 {
			id = in.ID
			break
		}
	}
	require.NotEmpty(t, id, "an Azure VM that misses patches")
	snaps, err := p.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: []string{id}, Key: "run/w0/b0"}, nil)
	require.NoError(t, err)
	require.Empty(t, snaps[0].Error)
	ids := make([]string, len(pending))
	for i, x := range pending {
		ids[i] = x.ID
	}
	inst, err := p.Install(ctx, fleet.InstallRequest{CycleID: "2026-W48", Reboot: fleet.RebootIfNeeded,
		Instances: []fleet.InstanceInstallRequest{{InstanceID: id, PatchIDs: ids}}}, nil)
	require.NoError(t, err)
	require.Empty(t, inst.Instances[0].Error)
	_, err = p.WaitReady(ctx, []string{id}, nil)
	require.NoError(t, err)
	now, _ := f.PendingPatches(id)
	require.Empty(t, now)

	res, err := p.Restore(fleet.WithCallKey(ctx, "restore/a"), fleet.RestoreRequest{InstanceID: id, Snapshots: snaps[0].Snapshots})
	require.NoError(t, err)
	require.True(t, res.Restored(), "%+v", res)
	back, _ := f.PendingPatches(id)
	assert.Equal(t, pending, back, "the VM misses the same patches as before the install")
	assert.Equal(t, sim.OpRestore, p.Calls()[len(p.Calls())-1].Op)
}

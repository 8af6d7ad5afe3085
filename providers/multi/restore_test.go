package multi_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/multi"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

// noRestore is a provider without fleet.Restorer, as the Azure one.
type noRestore struct{ fleet.Provider }

func TestRestoreRoutesByCloud(t *testing.T) {
	f := healthFleet()
	aws := sim.New(f)
	p := multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: aws, fleet.CloudAzure: noRestore{sim.New(f)}})
	ctx := fleet.WithCallKey(context.Background(), "restore/1")
	a, z := firstOf(f, fleet.CloudAWS, 1)[0], firstOf(f, fleet.CloudAzure, 1)[0]
	snaps, err := aws.Snapshot(ctx, snapshotRequest([]string{a}), nil)
	require.NoError(t, err)
	require.Empty(t, snaps[0].Error)

	res, err := p.Restore(ctx, fleet.RestoreRequest{InstanceID: a, Snapshots: snaps[0].Snapshots})
	require.NoError(t, err)
	assert.True(t, res.Restored(), "%+v", res)
	assert.Equal(t, sim.OpRestore, aws.Calls()[len(aws.Calls())-1].Op)

	_, err = p.Restore(ctx, fleet.RestoreRequest{InstanceID: z})
	require.ErrorIs(t, err, fleet.ErrRestoreNotAvailable)
	assert.Contains(t, err.Error(), "restore --apply is not available for azure instances: run the printed steps")

	_, err = p.Restore(ctx, fleet.RestoreRequest{InstanceID: "gce-1"})
	require.ErrorIs(t, err, fleet.ErrPermanent)
}

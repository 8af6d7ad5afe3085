package sim_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

func TestSnapshotsThroughTheProvider(t *testing.T) {
	p := newProvider(120, 33)
	ctx := context.Background()
	var ids []string
	for _, in := range p.Fleet().Instances() {
		if !strings.HasPrefix(in.ID, "mi-") && len(ids) < 4 {
			ids = append(ids, in.ID)
		}
	}
	req := fleet.SnapshotRequest{InstanceIDs: ids, Group: "prod-auto", Cycle: "2026-W48", Key: "run/w0/b0", Expires: t0.Add(7 * 24 * time.Hour)}
	out, err := p.Snapshot(ctx, req, nil)
	require.NoError(t, err)
	taken := len(p.Fleet().Snapshots())
	require.GreaterOrEqual(t, taken, len(ids))
	for i, o := range out {
		require.Equal(t, ids[i], o.InstanceID)
		require.Empty(t, o.Error)
		for _, s := range o.Snapshots {
			assert.Equal(t, "completed", s.State)
			assert.Equal(t, ids[i], s.InstanceID)
		}
	}
	again, err := p.Snapshot(ctx, req, nil)
	require.NoError(t, err)
	require.Equal(t, out, again)
	require.Len(t, p.Fleet().Snapshots(), taken, "the same key takes no new snapshot")

	expired, err := p.ListSnapshots(ctx, fleet.SnapshotFilter{ExpiredBefore: t0.Add(8 * 24 * time.Hour)})
	require.NoError(t, err)
	require.Len(t, expired, taken)
	none, err := p.ListSnapshots(ctx, fleet.SnapshotFilter{ExpiredBefore: t0.Add(24 * time.Hour)})
	require.NoError(t, err)
	require.Empty(t, none)
	deleted, err := p.DeleteSnapshots(ctx, expired)
	require.NoError(t, err)
	require.Len(t, deleted, taken)
	left, err := p.ListSnapshots(ctx, fleet.SnapshotFilter{})
	require.NoError(t, err)
	require.Empty(t, left)

	_, err = p.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: p.Fleet().IDs()[:fleet.MaxBatch+1], Key: "k"}, nil)
	require.ErrorIs(t, err, fleet.ErrTooManyInstances)
	ops := []sim.Operation{}
	for _, c := range p.Calls() {
		ops = append(ops, c.Op)
	}
	assert.Equal(t, []sim.Operation{sim.OpSnapshot, sim.OpSnapshot, sim.OpListSnapshots, sim.OpListSnapshots,
		sim.OpDeleteSnapshots, sim.OpListSnapshots, sim.OpSnapshot}, ops)
	assert.Equal(t, sim.Call{Op: sim.OpSnapshot, Instances: len(ids)}, p.Calls()[0])
}

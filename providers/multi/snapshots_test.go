package multi_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/multi"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

// cloudSnaps is a sim provider whose ListSnapshots keeps its own cloud's
// snapshots, as a cloud's provider sees only that cloud (the two
// providers of a test share one simulated fleet).
type cloudSnaps struct {
	*sim.Provider
	cloud fleet.Cloud
}

func (c cloudSnaps) ListSnapshots(ctx context.Context, f fleet.SnapshotFilter) ([]fleet.DiskSnapshot, error) {
	all, err := c.Provider.ListSnapshots(ctx, f)
	return slices.DeleteFunc(all, func(s fleet.DiskSnapshot) bool { return s.Cloud != c.cloud }), err
}

func snapshotRequest(ids []string) fleet.SnapshotRequest {
	return fleet.SnapshotRequest{InstanceIDs: ids, Group: "prod-auto", Cycle: "2026-W48", Key: "run/w0/b0",
		Expires: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
}

func TestSnapshotsRouteByCloudAndKeepOrder(t *testing.T) {
	f := healthFleet()
	aws, az := sim.New(f), sim.New(f)
	p := multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: cloudSnaps{aws, fleet.CloudAWS}, fleet.CloudAzure: cloudSnaps{az, fleet.CloudAzure}})
	ctx := context.Background()
	a, z := firstOf(f, fleet.CloudAWS, 2), firstOf(f, fleet.CloudAzure, 2)
	ids := []string{z[0], a[0], "gce-1", a[1], z[1]}
	var last int
	res, err := p.Snapshot(ctx, snapshotRequest(ids), func(done, total int) { last = done; assert.Equal(t, len(ids), total) })
	require.NoError(t, err)
	require.Len(t, res, len(ids))
	for i, r := range res {
		require.Equal(t, ids[i], r.InstanceID, "results in the request's order")
		if i == 2 {
			assert.Contains(t, r.Error, "no provider for instance gce-1")
			continue
		}
		require.Empty(t, r.Error, r.InstanceID)
		require.NotEmpty(t, r.Snapshots, r.InstanceID)
		for _, s := range r.Snapshots {
			assert.Equal(t, multi.CloudOf(ids[i]), s.Cloud)
			assert.Equal(t, "completed", s.State)
		}
	}
	assert.Equal(t, 4, last, "progress sums the clouds'")
	assert.Equal(t, []sim.Call{{Op: sim.OpSnapshot, Instances: 2}}, aws.Calls())
	assert.Equal(t, []sim.Call{{Op: sim.OpSnapshot, Instances: 2}}, az.Calls())

	all, err := p.ListSnapshots(ctx, fleet.SnapshotFilter{Group: "prod-auto"})
	require.NoError(t, err)
	require.Len(t, all, len(f.Snapshots()), "every cloud's snapshots, merged")
	clouds := map[fleet.Cloud]int{}
	for _, s := range all {
		clouds[s.Cloud]++
	}
	assert.Len(t, clouds, 2)
	mine, err := p.ListSnapshots(ctx, fleet.SnapshotFilter{InstanceID: a[0]})
	require.NoError(t, err)
	require.NotEmpty(t, mine)
	for _, s := range mine {
		assert.Equal(t, a[0], s.InstanceID)
	}
	assert.Len(t, az.Calls(), 2, "a filter naming an AWS instance does not ask Azure")

	stray := fleet.DiskSnapshot{ID: "projects/p/global/snapshots/s", Cloud: "gcp"}
	deleted, err := p.DeleteSnapshots(ctx, append(slices.Clone(all), stray))
	require.NoError(t, err)
	want := make([]string, len(all))
	for i, s := range all {
		want[i] = s.ID
	}
	assert.ElementsMatch(t, want, deleted, "every routed snapshot deleted, the stray one not")
	assert.Equal(t, sim.Call{Op: sim.OpDeleteSnapshots, Instances: clouds[fleet.CloudAWS]}, aws.Calls()[len(aws.Calls())-1])
	assert.Equal(t, sim.Call{Op: sim.OpDeleteSnapshots, Instances: clouds[fleet.CloudAzure]}, az.Calls()[len(az.Calls())-1])
	left, err := p.ListSnapshots(ctx, fleet.SnapshotFilter{})
	require.NoError(t, err)
	assert.Empty(t, left)
}

func TestSnapshotsOfACloudWithoutSnapshotter(t *testing.T) {
	f := healthFleet()
	aws := sim.New(f)
	p := multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: cloudSnaps{aws, fleet.CloudAWS}, fleet.CloudAzure: plain{sim.New(f)}})
	ctx := context.Background()
	a, z := firstOf(f, fleet.CloudAWS, 1), firstOf(f, fleet.CloudAzure, 1)
	res, err := p.Snapshot(ctx, snapshotRequest([]string{z[0], a[0]}), nil)
	require.NoError(t, err, "not a call failure")
	assert.Equal(t, fleet.InstanceSnapshots{InstanceID: z[0],
		Error: "the azure provider cannot snapshot disks (it does not implement fleet.Snapshotter)"}, res[0])
	require.Empty(t, res[1].Error)
	require.NotEmpty(t, res[1].Snapshots)

	list, err := p.ListSnapshots(ctx, fleet.SnapshotFilter{})
	require.NoError(t, err)
	assert.Equal(t, res[1].Snapshots, list, "the AWS provider's list only")

	azureSnap := fleet.DiskSnapshot{ID: z[0] + "/snapshots/s", InstanceID: z[0]}
	deleted, err := p.DeleteSnapshots(ctx, append(slices.Clone(list), azureSnap))
	require.NoError(t, err)
	assert.Len(t, deleted, len(list), "the Azure snapshot is not deleted, not an error")
	assert.NotContains(t, deleted, azureSnap.ID)
}

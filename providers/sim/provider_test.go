package sim_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

var t0 = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

func newProvider(n int, seed int64) *sim.Provider {
	return sim.New(cloudsim.Generate(cloudsim.Config{Seed: seed, Instances: n, Now: t0, Clock: cloudsim.NewVirtualClock(t0)}))
}

func TestProviderRefusesMoreThanMaxBatch(t *testing.T) {
	p := newProvider(120, 1)
	ctx := context.Background()
	ids := p.Fleet().IDs()

	_, err := p.Scan(ctx, ids[:fleet.MaxBatch+1], nil)
	assert.ErrorIs(t, err, fleet.ErrTooManyInstances)
	_, err = p.Inventory(ctx, ids[:fleet.MaxBatch+1])
	assert.ErrorIs(t, err, fleet.ErrTooManyInstances)
	_, err = p.WaitReady(ctx, ids[:fleet.MaxBatch+1], nil)
	assert.ErrorIs(t, err, fleet.ErrTooManyInstances)
	req := fleet.InstallRequest{Reboot: fleet.NoReboot}
	for _, id := range ids[:fleet.MaxBatch+1] {
		req.Instances = append(req.Instances, fleet.InstanceInstallRequest{InstanceID: id})
	}
	_, err = p.Install(ctx, req, nil)
	assert.ErrorIs(t, err, fleet.ErrTooManyInstances)
	assert.Zero(t, p.Fleet().Stats().Calls, "nothing reached the fleet")

	_, err = p.Scan(ctx, ids[:fleet.MaxBatch], nil)
	assert.NoError(t, err)
	calls := p.Calls()
	require.Len(t, calls, 5)
	assert.Equal(t, sim.Call{Op: sim.OpScan, Instances: 51, Err: calls[0].Err}, calls[0])
	assert.NotEmpty(t, calls[0].Err)
	assert.Equal(t, sim.Call{Op: sim.OpScan, Instances: 50}, calls[4])
	p.ResetCalls()
	assert.Empty(t, p.Calls())
}

func TestScanResultListsEachPatchOnceInCatalog(t *testing.T) {
	p := newProvider(200, 2)
	res, err := p.Scan(context.Background(), p.Fleet().IDs()[:fleet.MaxBatch], nil)
	require.NoError(t, err)

	inCatalog := map[string]bool{}
	for _, c := range res.Catalog {
		require.False(t, inCatalog[c.ID], "patch %s listed twice", c.ID)
		inCatalog[c.ID] = true
	}
	referenced := map[string]bool{}
	for _, s := range res.Instances {
		for _, ps := range s.Patches {
			referenced[ps.PatchID] = true
			assert.True(t, inCatalog[ps.PatchID], ps.PatchID)
		}
	}
	assert.Equal(t, len(referenced), len(inCatalog), "the catalog holds only referenced patches")
	assert.Less(t, len(res.Catalog), 200, "shared definitions keep the batch small")
}

func TestProviderCycleThroughAllOperations(t *testing.T) {
	p := newProvider(100, 3)
	ctx := context.Background()
	found, err := p.Discover(ctx, fleet.Selector{Tags: map[string]string{cloudsim.TagPatchGroup: cloudsim.GroupJumpLog}})
	require.NoError(t, err)
	require.NotEmpty(t, found)
	var ids []string
	for _, in := range found {
		assert.Equal(t, cloudsim.GroupJumpLog, in.Tags[cloudsim.TagPatchGroup])
		ids = append(ids, in.ID)
	}
	scan, err := p.Scan(ctx, ids, nil)
	require.NoError(t, err)
	req := fleet.InstallRequest{CycleID: "2026-W48", Patches: scan.Catalog, Reboot: fleet.RebootIfNeeded}
	for _, s := range scan.Instances {
		var pids []string
		for _, ps := range s.Patches {
			pids = append(pids, ps.PatchID)
		}
		req.Instances = append(req.Instances, fleet.InstanceInstallRequest{InstanceID: s.InstanceID, PatchIDs: pids})
	}
	var progress []int
	_, err = p.Install(ctx, req, func(done, total int) {
		assert.Equal(t, len(ids), total)
		progress = append(progress, done)
	})
	require.NoError(t, err)
	assert.Len(t, progress, len(ids))
	ready, err := p.WaitReady(ctx, ids, nil)
	require.NoError(t, err)
	for _, r := range ready {
		assert.True(t, r.Ready, r.InstanceID)
	}
	after, err := p.Scan(ctx, ids, nil)
	require.NoError(t, err)
	for _, s := range after.Instances {
		assert.Empty(t, s.Patches, s.InstanceID)
	}
	inv, err := p.Inventory(ctx, ids)
	require.NoError(t, err)
	assert.Len(t, inv, len(ids))

	var ops []sim.Operation
	for _, c := range p.Calls() {
		ops = append(ops, c.Op)
	}
	assert.Equal(t, []sim.Operation{sim.OpDiscover, sim.OpScan, sim.OpInstall, sim.OpWaitReady, sim.OpScan, sim.OpInventory}, ops)
}

func TestTenThousandInstancesScannedOnceInBatchesOverGoroutines(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 instances")
	}
	p := newProvider(10_000, 4)
	ids := p.Fleet().IDs()
	batches := make(chan []string)
	go func() {
		for i := 0; i < len(ids); i += fleet.MaxBatch {
			batches <- ids[i:min(i+fleet.MaxBatch, len(ids))]
		}
		close(batches)
	}()
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for b := range batches {
				res, err := p.Scan(context.Background(), b, nil)
				if !assert.NoError(t, err) {
					continue
				}
				mu.Lock()
				for _, s := range res.Instances {
					seen[s.InstanceID]++
					assert.Empty(t, s.Error)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	require.Len(t, seen, 10_000)
	for _, id := range ids {
		require.Equal(t, 1, seen[id], id)
		require.Equal(t, 1, p.Fleet().ScanCount(id), id)
	}
	calls := p.Calls()
	assert.Len(t, calls, 200)
	for _, c := range calls {
		assert.Equal(t, sim.OpScan, c.Op)
		assert.LessOrEqual(t, c.Instances, fleet.MaxBatch)
	}
	st := p.Fleet().Stats()
	assert.Equal(t, 10_000, st.InstancesScanned)
	assert.Equal(t, 10_000, st.Totals.Scans)
}

func TestInstallAfterTheCutoffStartsNothing(t *testing.T) {
	p := newProvider(60, 4)
	ids := p.Fleet().IDs()[:5]
	req := fleet.InstallRequest{CycleID: "2026-W48", Reboot: fleet.NoReboot, LastStart: time.Now().Add(-time.Minute), Deadline: time.Now().Add(time.Hour)}
	for _, id := range ids {
		pending, err := p.Fleet().PendingPatches(id)
		require.NoError(t, err)
		ir := fleet.InstanceInstallRequest{InstanceID: id}
		for _, pt := range pending {
			ir.PatchIDs = append(ir.PatchIDs, pt.ID)
		}
		req.Instances = append(req.Instances, ir)
	}
	_, err := p.Install(context.Background(), req, nil)
	require.ErrorIs(t, err, fleet.ErrWindowClosed)
	assert.Zero(t, p.Fleet().Stats().Calls, "nothing reached the fleet")
	require.Len(t, p.Calls(), 1)
	assert.Contains(t, p.Calls()[0].Err, "cutoff")

	req.LastStart = time.Now().Add(time.Minute)
	res, err := p.Install(context.Background(), req, nil)
	require.NoError(t, err)
	for _, i := range res.Instances {
		assert.False(t, i.Failed(), "%s: %s", i.InstanceID, i.Error)
	}
}

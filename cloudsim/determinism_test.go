package cloudsim_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// chaos injects every per-instance fault at a rate.
var chaos = cloudsim.Faults{
	OfflineRate: 0.03, ScanFailureRate: 0.1, RebootHangRate: 0.1,
	InstallFailures: []cloudsim.PackageFailure{{Package: "openssl", Rate: 0.3}, {Package: "kernel", Rate: 0.2}},
}

// cycle scans, installs everything missing with reboots, waits and scans
// again, in batches over workers goroutines, and returns per-instance
// outcomes keyed by instance ID.
func cycle(t *testing.T, f *cloudsim.Fleet, workers int) map[string]any {
	ctx := context.Background()
	ids := f.IDs()
	var mu sync.Mutex
	out := map[string]any{}
	put := func(key string, v any) {
		mu.Lock()
		out[key] = v
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w * fleet.MaxBatch; i < len(ids); i += workers * fleet.MaxBatch {
				batch := ids[i:min(i+fleet.MaxBatch, len(ids))]
				scan, err := f.Scan(ctx, batch, nil)
				require.NoError(t, err)
				var req fleet.InstallRequest
				req.Reboot = fleet.RebootIfNeeded
				for _, s := range scan.Instances {
					put("scan1/"+s.InstanceID, states(s))
					var pids []string
					for _, p := range s.Patches {
						pids = append(pids, p.PatchID)
					}
					req.Instances = append(req.Instances, fleet.InstanceInstallRequest{InstanceID: s.InstanceID, PatchIDs: pids})
				}
				res, err := f.Install(ctx, req, nil)
				require.NoError(t, err)
				for _, r := range res.Instances {
					put("install/"+r.InstanceID, []any{r.Changes, r.Error, r.Rebooted})
				}
				ready, err := f.WaitReady(ctx, batch, nil)
				require.NoError(t, err)
				for _, r := range ready {
					put("ready/"+r.InstanceID, r.Ready)
				}
				scan, err = f.Scan(ctx, batch, nil)
				require.NoError(t, err)
				for _, s := range scan.Instances {
					// Error texts carry simulated times, which depend on
					// how the batches interleave; compare whether they failed.
					put("scan2/"+s.InstanceID, []any{states(s), s.Error != ""})
				}
			}
		})
	}
	wg.Wait()
	return out
}

func TestSameSeedGivesSameOutcomesEvenConcurrently(t *testing.T) {
	a, _ := virtualFleet(600, 61, chaos)
	b, _ := virtualFleet(600, 61, chaos)
	c, _ := virtualFleet(600, 62, chaos)

	ra := cycle(t, a, 1)
	rb := cycle(t, b, 4)
	rc := cycle(t, c, 1)

	assert.Equal(t, ra, rb, "same seed, same operations: same outcomes, whatever the interleaving")
	assert.Equal(t, a.Stats().Totals, b.Stats().Totals)
	assert.NotEqual(t, ra, rc)

	failedInstalls, hung := 0, 0
	for k, v := range ra {
		if len(k) > 8 && k[:8] == "install/" && v.([]any)[1] != "" {
			failedInstalls++
		}
		if len(k) > 6 && k[:6] == "ready/" && v == false {
			hung++
		}
	}
	assert.Positive(t, failedInstalls, "the faults did happen")
	assert.Positive(t, hung)
	assert.Equal(t, 1, a.Stats().MaxInstallsPerInstance)
}

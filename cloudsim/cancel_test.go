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

func TestCancelledInstallLeavesEachInstanceFullyInstalledOrUntouched(t *testing.T) {
	clock := cloudsim.NewManualClock(t0)
	timing := cloudsim.Timing{InstallPerPackage: time.Minute}
	f := cloudsim.Generate(cloudsim.Config{Seed: 41, Instances: 200, Now: t0, Clock: clock, Timing: &timing})

	type plan struct {
		id      string
		pending []fleet.PatchOnInstance
		before  map[string]string
	}
	var plans []plan
	var req fleet.InstallRequest
	for _, id := range f.IDs() {
		p, _ := f.PendingPatches(id)
		if len(p) == 0 {
			continue
		}
		plans = append(plans, plan{id, p, inventory(t, f, id)})
		req.Instances = append(req.Instances, fleet.InstanceInstallRequest{InstanceID: id, PatchIDs: patchIDs(p)})
		if len(plans) == fleet.MaxBatch {
			break
		}
	}
	req.Reboot = fleet.NoReboot

	ctx, cancel := context.WithCancel(context.Background())
	type outcome struct {
		res fleet.InstallResult
		err error
	}
	done := make(chan outcome)
	var progressed int
	go func() {
		res, err := f.Install(ctx, req, func(d, _ int) { progressed = d })
		done <- outcome{res, err}
	}()
	waitSleepers(t, clock, 1)
	clock.Advance(5 * time.Minute) // instances with up to 5 packages finish
	waitSleepers(t, clock, 1)      // the batch waits for the next one
	cancel()
	out := <-done

	require.ErrorIs(t, out.err, context.Canceled)
	require.Len(t, out.res.Instances, len(plans))
	var installed, untouched int
	for i, pl := range plans {
		r := out.res.Instances[i]
		require.Equal(t, pl.id, r.InstanceID)
		inv := inventory(t, f, pl.id)
		if r.Error == "" {
			installed++
			assert.LessOrEqual(t, len(pl.pending), 5)
			for _, p := range pl.pending {
				assert.Equal(t, p.Version, inv[p.Name], "%s %s fully installed", pl.id, p.Name)
			}
			assert.Equal(t, 1, f.InstallCount(pl.id))
		} else {
			untouched++
			assert.Contains(t, r.Error, "cancelled")
			assert.Greater(t, len(pl.pending), 5)
			assert.Equal(t, pl.before, inv, "%s untouched", pl.id)
			assert.Equal(t, 0, f.InstallCount(pl.id))
		}
	}
	assert.Positive(t, installed)
	assert.Positive(t, untouched)
	assert.Equal(t, installed, progressed, "progress counted the finished instances")
}

func TestCancelledScanReportsUnscannedInstances(t *testing.T) {
	clock := cloudsim.NewManualClock(t0)
	timing := cloudsim.Timing{Scan: time.Minute}
	f := cloudsim.Generate(cloudsim.Config{Seed: 42, Instances: 20, Now: t0, Clock: clock, Timing: &timing})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	var res fleet.ScanResult
	go func() {
		var err error
		res, err = f.Scan(ctx, f.IDs(), nil)
		done <- err
	}()
	waitSleepers(t, clock, 1)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	for _, s := range res.Instances {
		assert.Contains(t, s.Error, "cancelled")
		assert.Equal(t, 0, f.ScanCount(s.InstanceID))
	}
}

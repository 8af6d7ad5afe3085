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

func TestNoRebootLeavesInstancePendingRebootUntilRebooted(t *testing.T) {
	f, clock := virtualFleet(300, 21, cloudsim.Faults{})
	id, pending := pick(t, f, fleet.OSUbuntu, 2, true)
	in, _ := f.Instance(id)
	bootBefore := in.LastBootTime

	got := installOne(t, f, id, fleet.NoReboot, patchIDs(pending)...)
	require.True(t, got.RebootRequired)
	require.False(t, got.Rebooted)

	scan := scanOne(t, f, id)
	assert.True(t, scan.PendingReboot)
	for _, p := range pending {
		if p.RequiresReboot {
			assert.Equal(t, fleet.StateInstalledPendingReboot, states(scan)[p.ID], p.ID)
		}
	}
	for _, p := range scan.Patches {
		assert.Equal(t, fleet.StateInstalledPendingReboot, p.State, "nothing is missing any more")
	}
	pendingNow, _ := f.PendingPatches(id)
	assert.Empty(t, pendingNow, "pending-reboot patches are not missing")

	// Installing again with RebootIfNeeded reboots for the pending updates.
	again := installOne(t, f, id, fleet.RebootIfNeeded, patchIDs(pending)...)
	assert.True(t, again.Rebooted)
	assert.Equal(t, 1, f.InstallCount(id))

	out, err := f.WaitReady(context.Background(), []string{id}, nil)
	require.NoError(t, err)
	require.True(t, out[0].Ready, out[0].Error)
	assert.True(t, out[0].LastBootTime.After(bootBefore))
	assert.Equal(t, clock.Now(), out[0].LastBootTime)
	assert.Empty(t, scanOne(t, f, id).Patches)
}

func TestRebootIfNeededTakesTimeAndTheInstanceIsNotReadyMeanwhile(t *testing.T) {
	clock := cloudsim.NewManualClock(t0)
	timing := cloudsim.Timing{Reboot: 2 * time.Minute, RebootMaxWait: 10 * time.Minute}
	f := cloudsim.Generate(cloudsim.Config{Seed: 22, Instances: 300, Now: t0, Clock: clock, Timing: &timing})
	id, pending := pick(t, f, fleet.OSAmazonLinux2, 1, true)

	got := installOne(t, f, id, fleet.RebootIfNeeded, patchIDs(pending)...)
	require.True(t, got.Rebooted)
	for _, c := range got.Changes {
		assert.NotEqual(t, c.FromVersion, c.ToVersion, c.PatchID)
	}

	in, _ := f.Instance(id)
	assert.Equal(t, fleet.PingConnectionLost, in.Ping)
	assert.Equal(t, "rebooting", in.Unreachable)

	done := make(chan []fleet.RebootOutcome)
	go func() {
		out, _ := f.WaitReady(context.Background(), []string{id}, nil)
		done <- out
	}()
	waitSleepers(t, clock, 1)
	clock.Advance(time.Minute)
	select {
	case <-done:
		t.Fatal("WaitReady returned before the reboot ended")
	case <-time.After(20 * time.Millisecond):
	}
	clock.Advance(time.Minute)
	out := <-done
	require.True(t, out[0].Ready)
	assert.Equal(t, t0.Add(2*time.Minute), out[0].LastBootTime)

	in, _ = f.Instance(id)
	assert.True(t, in.Reachable())
	assert.Equal(t, t0.Add(2*time.Minute), in.LastBootTime)
	assert.Empty(t, scanOne(t, f, id).Patches)
	assert.Equal(t, 1, f.Stats().Totals.Reboots)
}

func TestScanOfARebootingInstanceWaitsUntilItIsBack(t *testing.T) {
	f, clock := virtualFleet(300, 23, cloudsim.Faults{})
	id, pending := pick(t, f, fleet.OSUbuntu, 1, true)
	installOne(t, f, id, fleet.RebootIfNeeded, patchIDs(pending)...)
	start := clock.Now()

	scan := scanOne(t, f, id)

	require.Empty(t, scan.Error)
	assert.False(t, scan.PendingReboot)
	timing := cloudsim.DefaultTiming()
	assert.Equal(t, start.Add(timing.Reboot+timing.Scan), scan.ScannedAt)
}

func TestWaitReadyOfAnInstanceNotRebootingIsImmediate(t *testing.T) {
	f, clock := virtualFleet(20, 24, cloudsim.Faults{})
	id := f.IDs()[0]
	out, err := f.WaitReady(context.Background(), []string{id, "i-0nope"}, nil)
	require.NoError(t, err)
	assert.True(t, out[0].Ready)
	assert.False(t, out[1].Ready)
	assert.Contains(t, out[1].Error, "InvalidInstanceId")
	assert.Equal(t, t0, clock.Now())
}

// waitSleepers waits until n goroutines sleep on the manual clock.
func waitSleepers(t *testing.T, c *cloudsim.ManualClock, n int) {
	t.Helper()
	require.Eventually(t, func() bool { return c.Sleepers() >= n }, 5*time.Second, time.Millisecond)
}

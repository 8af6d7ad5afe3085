package cloudsim_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestOfflineAgentIsUnreachableAndReportedPerInstance(t *testing.T) {
	f, _ := virtualFleet(400, 31, cloudsim.Faults{OfflineRate: 0.1})
	ctx := context.Background()

	all, err := f.Discover(ctx, fleet.Selector{})
	require.NoError(t, err)
	var offline, online []string
	for _, in := range all {
		if in.Reachable() {
			online = append(online, in.ID)
			continue
		}
		offline = append(offline, in.ID)
		assert.Equal(t, fleet.PingConnectionLost, in.Ping)
		assert.NotEmpty(t, in.Unreachable)
	}
	assert.InDelta(t, 40, len(offline), 20)

	scan, err := f.Scan(ctx, []string{offline[0], online[0]}, nil)
	require.NoError(t, err)
	assert.Contains(t, scan.Instances[0].Error, "not delivered")
	assert.Empty(t, scan.Instances[0].Patches)
	assert.Empty(t, scan.Instances[1].Error)

	pending, _ := f.PendingPatches(offline[0])
	got := installOne(t, f, offline[0], fleet.RebootIfNeeded, patchIDs(pending)...)
	assert.True(t, got.Failed())
	assert.Equal(t, 0, f.InstallCount(offline[0]))

	ready, err := f.WaitReady(ctx, []string{offline[0]}, nil)
	require.NoError(t, err)
	assert.False(t, ready[0].Ready)

	// The same share is offline in a fleet of the same seed; named
	// instances and runtime changes work too.
	g, _ := virtualFleet(400, 31, cloudsim.Faults{OfflineRate: 0.1})
	other, _ := g.Discover(ctx, fleet.Selector{})
	assert.Equal(t, all, other)
	f.SetFaults(cloudsim.Faults{OfflineInstances: []string{online[0]}})
	in, _ := f.Instance(online[0])
	assert.False(t, in.Reachable())
	in, _ = f.Instance(offline[0])
	assert.True(t, in.Reachable())
}

func TestScanFailureByNameAndRate(t *testing.T) {
	f, _ := virtualFleet(200, 32, cloudsim.Faults{})
	ids := f.IDs()
	f.SetFaults(cloudsim.Faults{ScanFailureInstances: []string{ids[3]}})
	res, err := f.Scan(context.Background(), ids[:10], nil)
	require.NoError(t, err)
	for i, s := range res.Instances {
		if i == 3 {
			assert.Contains(t, s.Error, "scan failed")
			assert.Empty(t, s.Patches)
		} else {
			assert.Empty(t, s.Error)
		}
	}
	assert.Equal(t, 0, f.ScanCount(ids[3]))

	f.SetFaults(cloudsim.Faults{ScanFailureRate: 0.3})
	res, err = f.Scan(context.Background(), ids[:100], nil)
	require.NoError(t, err)
	failed := 0
	for _, s := range res.Instances {
		if s.Error != "" {
			failed++
		}
	}
	assert.InDelta(t, 30, failed, 15)
}

func TestInstallFailureOfAPackage(t *testing.T) {
	f, _ := virtualFleet(300, 33, cloudsim.Faults{})
	id, pending := pick(t, f, fleet.OSUbuntu, 3, false)
	failing := pending[1]
	f.SetFaults(cloudsim.Faults{InstallFailures: []cloudsim.PackageFailure{{Package: failing.Name, Instances: []string{id}}}})
	before := inventory(t, f, id)

	got := installOne(t, f, id, fleet.NoReboot, patchIDs(pending)...)

	assert.True(t, got.Failed())
	assert.Empty(t, got.Error, "the install ran; one package failed")
	for _, c := range got.Changes {
		if c.PatchID == failing.ID {
			assert.Equal(t, fleet.StateFailed, c.State)
			assert.Contains(t, c.Error, "dpkg")
			assert.Equal(t, c.FromVersion, c.ToVersion)
		} else {
			assert.Equal(t, fleet.StateInstalled, c.State, c.PatchID)
		}
	}
	assert.Equal(t, before[failing.Name], inventory(t, f, id)[failing.Name])
	assert.Equal(t, fleet.StateMissing, states(scanOne(t, f, id))[failing.ID])

	// Fleet-wide at a rate, per attempt: some installs fail, a retry of
	// the same instances may succeed.
	f.SetFaults(cloudsim.Faults{InstallFailures: []cloudsim.PackageFailure{{Package: "openssl", Rate: 0.5, Message: "boom"}}})
	var reqs []fleet.InstanceInstallRequest
	for _, in := range f.Instances() {
		p, _ := f.PendingPatches(in.ID)
		for _, x := range p {
			if x.Name == "openssl" {
				reqs = append(reqs, fleet.InstanceInstallRequest{InstanceID: in.ID, PatchIDs: []string{x.ID}})
			}
		}
	}
	require.NotEmpty(t, reqs)
	res, err := f.Install(context.Background(), fleet.InstallRequest{Instances: reqs, Reboot: fleet.NoReboot}, nil)
	require.NoError(t, err)
	failed := 0
	for _, r := range res.Instances {
		if r.Failed() {
			failed++
			assert.Equal(t, "boom", r.Changes[0].Error)
		}
	}
	assert.Positive(t, failed)
	assert.Less(t, failed, len(reqs))
}

func TestRebootThatNeverReturns(t *testing.T) {
	f, clock := virtualFleet(300, 34, cloudsim.Faults{})
	id, pending := pick(t, f, fleet.OSAmazonLinux2023, 1, true)
	f.SetFaults(cloudsim.Faults{RebootHangInstances: []string{id}})

	got := installOne(t, f, id, fleet.RebootIfNeeded, patchIDs(pending)...)
	require.True(t, got.Rebooted)
	start := clock.Now()

	out, err := f.WaitReady(context.Background(), []string{id}, nil)
	require.NoError(t, err)
	assert.False(t, out[0].Ready)
	assert.Contains(t, out[0].Error, "did not come back")
	assert.Equal(t, start.Add(cloudsim.DefaultTiming().RebootMaxWait), clock.Now(), "gave up after RebootMaxWait")

	in, _ := f.Instance(id)
	assert.False(t, in.Reachable())
	assert.Contains(t, scanOne(t, f, id).Error, "not responding")

	// A cancelled wait also reports it not ready.
	mc := cloudsim.NewManualClock(t0)
	timing := cloudsim.Timing{Reboot: time.Minute, RebootMaxWait: time.Hour}
	g := cloudsim.Generate(cloudsim.Config{Seed: 34, Instances: 300, Now: t0, Clock: mc, Timing: &timing,
		Faults: cloudsim.Faults{RebootHangInstances: []string{id}}})
	installOne(t, g, id, fleet.RebootIfNeeded, patchIDs(pending)...)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	out, err = g.WaitReady(ctx, []string{id}, nil)
	require.NoError(t, err)
	assert.False(t, out[0].Ready)
	assert.Contains(t, out[0].Error, "stopped waiting")

	require.True(t, f.Recover(id))
	in, _ = f.Instance(id)
	assert.True(t, in.Reachable())
	assert.Empty(t, scanOne(t, f, id).Patches)
}

func TestSlowInstallMissesTheDeadline(t *testing.T) {
	f, clock := virtualFleet(300, 35, cloudsim.Faults{})
	slow, slowPending := pick(t, f, fleet.OSUbuntu, 2, false)
	var fast string
	var fastPending []fleet.PatchOnInstance
	for _, id := range f.IDs() {
		if p, _ := f.PendingPatches(id); id != slow && len(p) > 0 && !anyReboot(p) {
			fast, fastPending = id, p
			break
		}
	}
	f.SetFaults(cloudsim.Faults{SlowInstallInstances: []string{slow}})
	before := inventory(t, f, slow)
	deadline := clock.Now().Add(time.Hour)

	res, err := f.Install(context.Background(), fleet.InstallRequest{
		Reboot: fleet.NoReboot, Deadline: deadline,
		Instances: []fleet.InstanceInstallRequest{
			{InstanceID: slow, PatchIDs: patchIDs(slowPending)},
			{InstanceID: fast, PatchIDs: patchIDs(fastPending)},
		},
	}, nil)

	require.NoError(t, err)
	assert.Contains(t, res.Instances[0].Error, "did not finish by the deadline")
	for _, c := range res.Instances[0].Changes {
		assert.Equal(t, fleet.StateFailed, c.State)
	}
	assert.Equal(t, before, inventory(t, f, slow), "nothing installed on the slow instance")
	assert.Equal(t, 0, f.InstallCount(slow))
	assert.False(t, res.Instances[1].Failed())
	assert.Equal(t, deadline, clock.Now(), "the batch ended at the deadline")
}

func TestThrottlingFailsWholeCalls(t *testing.T) {
	f, _ := virtualFleet(50, 36, cloudsim.Faults{ThrottleNextCalls: 2})
	ctx := context.Background()
	ids := f.IDs()[:5]

	_, err := f.Scan(ctx, ids, nil)
	require.ErrorIs(t, err, fleet.ErrThrottled)
	_, err = f.Discover(ctx, fleet.Selector{})
	require.ErrorIs(t, err, fleet.ErrThrottled)
	_, err = f.Scan(ctx, ids, nil)
	require.NoError(t, err)
	assert.Equal(t, 0, f.Faults().ThrottleNextCalls)

	f.ThrottleNext(1)
	_, err = f.Inventory(ctx, ids)
	assert.True(t, errors.Is(err, fleet.ErrThrottled))
	assert.Equal(t, int64(3), f.Stats().Throttled)

	f.SetFaults(cloudsim.Faults{ThrottleRate: 0.5})
	throttled := 0
	for range 100 {
		if _, err := f.WaitReady(ctx, ids, nil); err != nil {
			require.ErrorIs(t, err, fleet.ErrThrottled)
			throttled++
		}
	}
	assert.InDelta(t, 50, throttled, 20)
}

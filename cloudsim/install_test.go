package cloudsim_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestInstallMovesRequestedPackagesForwardAndNothingElse(t *testing.T) {
	f, _ := virtualFleet(300, 11, cloudsim.Faults{})
	id, pending := pick(t, f, fleet.OSUbuntu, 4, false)
	before := inventory(t, f, id)
	chosen, left := pending[:2], pending[2:]

	got := installOne(t, f, id, fleet.NoReboot, patchIDs(chosen)...)

	require.Empty(t, got.Error)
	require.Len(t, got.Changes, 2)
	for i, c := range got.Changes {
		assert.Equal(t, chosen[i].ID, c.PatchID)
		assert.Equal(t, chosen[i].Name, c.Name)
		assert.Equal(t, chosen[i].InstalledVersion, c.FromVersion)
		assert.Equal(t, chosen[i].Version, c.ToVersion)
		assert.Equal(t, fleet.StateInstalled, c.State)
	}
	assert.False(t, got.RebootRequired)
	assert.False(t, got.Rebooted)

	after := inventory(t, f, id)
	for name, v := range before {
		switch name {
		case chosen[0].Name, chosen[1].Name:
			assert.NotEqual(t, v, after[name], name)
		default:
			assert.Equal(t, v, after[name], "package %s not requested must not change", name)
		}
	}
	assert.Equal(t, chosen[0].Version, after[chosen[0].Name])

	scan := scanOne(t, f, id)
	require.Empty(t, scan.Error)
	assert.Equal(t, patchIDs(left), func() []string {
		var ids []string
		for _, p := range scan.Patches {
			ids = append(ids, p.PatchID)
		}
		return ids
	}(), "the scan after install lists only what is still missing")
	assert.Equal(t, 1, f.InstallCount(id))
}

func TestInstallAgainIsANoOpAndNotCounted(t *testing.T) {
	f, _ := virtualFleet(300, 12, cloudsim.Faults{})
	id, pending := pick(t, f, fleet.OSAmazonLinux2023, 2, false)
	ids := patchIDs(pending)

	first := installOne(t, f, id, fleet.NoReboot, ids...)
	inv := inventory(t, f, id)
	second := installOne(t, f, id, fleet.NoReboot, ids...)

	require.False(t, first.Failed())
	require.False(t, second.Failed())
	for i, c := range second.Changes {
		assert.Equal(t, fleet.StateInstalled, c.State)
		assert.Equal(t, c.FromVersion, c.ToVersion, "version unchanged")
		assert.Equal(t, first.Changes[i].ToVersion, c.ToVersion)
	}
	assert.Equal(t, inv, inventory(t, f, id))
	assert.Equal(t, 1, f.InstallCount(id), "only the install that changed something counts")
	counters, _ := f.Counters(id)
	assert.Equal(t, 2, counters.InstallAttempts)
	assert.Equal(t, 1, f.Stats().MaxInstallsPerInstance)
}

func TestInstallReportsPatchesThatDoNotApplyAsNotApplicable(t *testing.T) {
	f, _ := virtualFleet(300, 13, cloudsim.Faults{})
	id, pending := pick(t, f, fleet.OSUbuntu, 1, false)
	before := inventory(t, f, id)

	got := installOne(t, f, id, fleet.NoReboot, "kernel:6.1.106-116.188.amzn2023", "KB5041160", "no-such:1.0")

	require.Len(t, got.Changes, 3)
	for _, c := range got.Changes {
		assert.Equal(t, fleet.StateNotApplicable, c.State, c.PatchID)
	}
	assert.Equal(t, "kernel", got.Changes[0].Name)
	assert.Equal(t, before, inventory(t, f, id))
	assert.Equal(t, 0, f.InstallCount(id))
	assert.Len(t, scanOne(t, f, id).Patches, len(pending))
}

func TestInstallOfUnknownInstanceIsReportedPerInstance(t *testing.T) {
	f, _ := virtualFleet(10, 14, cloudsim.Faults{})
	got := installOne(t, f, "i-0000000000000000", fleet.NoReboot, "x:1")
	assert.Contains(t, got.Error, "InvalidInstanceId")
	assert.True(t, got.Failed())
}

func TestWindowsInstallMovesTheBuildAndKeepsKBIDs(t *testing.T) {
	f, _ := virtualFleet(1500, 15, cloudsim.Faults{})
	id, pending := pick(t, f, fleet.OSWindows, 1, true)
	var cu fleet.PatchOnInstance
	for _, p := range pending {
		if p.RequiresReboot {
			cu = p
		}
	}
	got := installOne(t, f, id, fleet.NoReboot, cu.ID)
	require.Len(t, got.Changes, 1)
	c := got.Changes[0]
	assert.Equal(t, cu.KB, c.PatchID)
	assert.Equal(t, cu.InstalledVersion, c.FromVersion)
	assert.NotEqual(t, c.FromVersion, c.ToVersion)
	assert.Equal(t, fleet.StateInstalledPendingReboot, c.State)
	assert.True(t, got.RebootRequired)
	assert.False(t, got.Rebooted)
	assert.Equal(t, fleet.StateInstalledPendingReboot, states(scanOne(t, f, id))[cu.ID])
}

func TestInstallOfSameInstanceFromManyGoroutinesCountsOnce(t *testing.T) {
	f, _ := virtualFleet(200, 16, cloudsim.Faults{})
	id, pending := pick(t, f, fleet.OSUbuntu, 3, false)
	req := fleet.InstallRequest{Reboot: fleet.NoReboot, Instances: []fleet.InstanceInstallRequest{{InstanceID: id, PatchIDs: patchIDs(pending)}}}
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := f.Install(context.Background(), req, nil)
			errs <- err
		}()
	}
	for range 8 {
		require.NoError(t, <-errs)
	}
	assert.Equal(t, 1, f.InstallCount(id))
	assert.Empty(t, scanOne(t, f, id).Patches)
}

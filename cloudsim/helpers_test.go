package cloudsim_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// t0 is the simulated start of every test fleet.
var t0 = time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

// virtualFleet generates a fleet on a virtual clock with the default
// (simulated) timing, so operations take simulated time but no real time.
func virtualFleet(n int, seed int64, faults cloudsim.Faults) (*cloudsim.Fleet, *cloudsim.VirtualClock) {
	clock := cloudsim.NewVirtualClock(t0)
	return cloudsim.Generate(cloudsim.Config{Seed: seed, Instances: n, Now: t0, Clock: clock, Faults: faults}), clock
}

// pick returns the first instance of the OS family (any when "") that
// misses at least minMissing patches, one of them needing a reboot when
// reboot is set.
func pick(t *testing.T, f *cloudsim.Fleet, os fleet.OSFamily, minMissing int, reboot bool) (string, []fleet.PatchOnInstance) {
	t.Helper()
	for _, in := range f.Instances() {
		if os != "" && in.OS != os {
			continue
		}
		p, err := f.PendingPatches(in.ID)
		require.NoError(t, err)
		if len(p) < minMissing {
			continue
		}
		if reboot != anyReboot(p) {
			continue
		}
		return in.ID, p
	}
	t.Fatalf("no %s instance misses %d patches (reboot %v)", os, minMissing, reboot)
	return "", nil
}

func anyReboot(p []fleet.PatchOnInstance) bool {
	for _, x := range p {
		if x.RequiresReboot {
			return true
		}
	}
	return false
}

func patchIDs(p []fleet.PatchOnInstance) []string {
	out := make([]string, len(p))
	for i, x := range p {
		out[i] = x.ID
	}
	return out
}

// inventory reads one instance's packages as name -> version.
func inventory(t *testing.T, f *cloudsim.Fleet, id string) map[string]string {
	t.Helper()
	inv, err := f.Inventory(context.Background(), []string{id})
	require.NoError(t, err)
	require.Len(t, inv, 1)
	require.Empty(t, inv[0].Error)
	out := map[string]string{}
	for _, p := range inv[0].Packages {
		out[p.Name] = p.Version
	}
	return out
}

// installOne installs patches on one instance.
func installOne(t *testing.T, f *cloudsim.Fleet, id string, reboot fleet.RebootOption, patchIDs ...string) fleet.InstanceInstall {
	t.Helper()
	res, err := f.Install(context.Background(), fleet.InstallRequest{
		CycleID: "2026-W48", Reboot: reboot,
		Instances: []fleet.InstanceInstallRequest{{InstanceID: id, PatchIDs: patchIDs}},
	}, nil)
	require.NoError(t, err)
	require.Len(t, res.Instances, 1)
	return res.Instances[0]
}

// scanOne scans one instance.
func scanOne(t *testing.T, f *cloudsim.Fleet, id string) fleet.InstanceScan {
	t.Helper()
	res, err := f.Scan(context.Background(), []string{id}, nil)
	require.NoError(t, err)
	require.Len(t, res.Instances, 1)
	return res.Instances[0]
}

// states maps patch ID -> state of a scan.
func states(s fleet.InstanceScan) map[string]fleet.PatchState {
	out := map[string]fleet.PatchState{}
	for _, p := range s.Patches {
		out[p.PatchID] = p.State
	}
	return out
}

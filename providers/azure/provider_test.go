package azure_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestDiscoverPagesAcrossSubscriptionsAndReportsUnreachable(t *testing.T) {
	e := newEnv(t, 120, azurefront.Options{PageSize: 4}, nil)
	linux := e.azureIDs(fleet.OSUbuntu)
	e.front.Deallocate(linux[0], true)
	e.fleet.SetFaults(cloudsim.Faults{OfflineInstances: []string{linux[1]}})

	got, err := e.prov.Discover(t.Context(), fleet.Selector{})
	require.NoError(t, err)
	want := map[string]bool{}
	for _, in := range e.fleet.Instances() {
		if in.Cloud == fleet.CloudAzure {
			want[in.ID] = true
		}
	}
	require.Len(t, got, len(want))
	subs := map[string]bool{}
	for _, in := range got {
		require.True(t, want[in.ID], in.ID)
		subs[in.Account] = true
		truth, _ := e.fleet.Instance(in.ID)
		require.Equal(t, truth.OS, in.OS, in.ID)
		require.Equal(t, truth.OSVersion, in.OSVersion, in.ID)
		require.Equal(t, truth.Tags, in.Tags, in.ID)
		switch in.ID {
		case linux[0]:
			require.Contains(t, in.Unreachable, "PowerState/deallocated")
		case linux[1]:
			require.Contains(t, in.Unreachable, "VM agent status is Not Ready")
		default:
			require.True(t, in.Reachable(), "%s: %s", in.ID, in.Unreachable)
		}
	}
	require.Len(t, subs, 2)
	require.Greater(t, e.front.Count("resources", ""), 2, "Resource Graph was paged")

	byTag, err := e.prov.Discover(t.Context(), fleet.Selector{Tags: map[string]string{cloudsim.TagPatchGroup: cloudsim.GroupNonprod}})
	require.NoError(t, err)
	require.NotEmpty(t, byTag)
	for _, in := range byTag {
		require.Equal(t, cloudsim.GroupNonprod, in.Tags[cloudsim.TagPatchGroup])
	}
}

func TestScanInstallExactlyTheRequestedPatches(t *testing.T) {
	e := newEnv(t, 80, azurefront.Options{}, nil)
	ids := append(e.needy(fleet.OSUbuntu)[:3], e.needy(fleet.OSWindows)[:1]...)
	scan, err := e.prov.Scan(t.Context(), ids, nil)
	require.NoError(t, err)
	defs := map[string]fleet.Patch{}
	for _, p := range scan.Catalog {
		defs[p.ID] = p
	}
	req := fleet.InstallRequest{CycleID: "2026-W48", Patches: scan.Catalog, Reboot: fleet.NoReboot, Deadline: time.Now().Add(2 * time.Hour)}
	before := map[string]map[string]string{}
	for _, sc := range scan.Instances {
		require.Empty(t, sc.Error)
		pending, err := e.fleet.PendingPatches(sc.InstanceID)
		require.NoError(t, err)
		require.Len(t, sc.Patches, len(pending), "the assessment lists what the fleet misses")
		for _, ps := range sc.Patches {
			p := defs[ps.PatchID]
			if p.OS.IsWindows() {
				require.NotEmpty(t, p.Classification, p.ID)
			} else {
				require.Regexp(t, `^jammy-(security|updates)$`, p.Repository)
			}
		}
		// Half of each instance's patches: the rest must stay untouched.
		req.Instances = append(req.Instances, fleet.InstanceInstallRequest{InstanceID: sc.InstanceID, PatchIDs: everyOther(sc.Patches)})
		before[sc.InstanceID] = e.versions(t, sc.InstanceID)
	}
	res, err := e.prov.Install(t.Context(), req, nil)
	require.NoError(t, err)
	for k, r := range res.Instances {
		require.Empty(t, r.Error, r.InstanceID)
		picked := map[string]bool{}
		for _, id := range req.Instances[k].PatchIDs {
			picked[id] = true
		}
		require.Len(t, r.Changes, len(picked))
		after := e.versions(t, r.InstanceID)
		e.requireOnlyRequested(t, r.InstanceID, r.InstanceID, picked, before[r.InstanceID], after)
		for _, c := range r.Changes {
			require.Contains(t, []fleet.PatchState{fleet.StateInstalled, fleet.StateInstalledPendingReboot}, c.State)
		}
	}
	require.Equal(t, len(req.Instances), e.store.Len(), "resume tokens are kept, one per machine")
	again, err := e.prov.Install(t.Context(), req, nil)
	require.NoError(t, err)
	require.Equal(t, len(res.Instances), len(again.Instances))
	for _, id := range ids {
		require.Equal(t, 1, e.front.Count("installPatches", id), "a retry resumes the finished operation: %s", id)
	}
	inv, err := e.prov.Inventory(t.Context(), ids[:1])
	require.NoError(t, err)
	require.Empty(t, inv[0].Error)
	got := map[string]string{}
	for _, p := range inv[0].Packages {
		got[p.Name] = p.Version
	}
	require.Equal(t, e.versions(t, ids[0]), got)
}

package azure_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/azure"
)

// arcEnv is an env whose first needy Ubuntu and Windows VMs are presented
// as Arc machines; arc maps their Arc IDs to fleet IDs.
type arcEnv struct {
	*env
	arc map[string]string
	ids []string // Arc IDs: Ubuntu first, then Windows
}

func newArcEnv(t *testing.T, opts azurefront.Options, tune func(*azure.Config)) *arcEnv {
	t.Helper()
	var picked []string
	e := newEnvOver(t, 80, func(f *cloudsim.Fleet) azurefront.Options {
		probe := &env{fleet: f}
		picked = []string{probe.needy(fleet.OSUbuntu)[0], probe.needy(fleet.OSWindows)[0]}
		opts.ArcMachines = picked
		return opts
	}, tune)
	a := &arcEnv{env: e, arc: map[string]string{}}
	for _, id := range picked {
		aid := e.front.ArcID(id)
		require.Contains(t, aid, "/providers/Microsoft.HybridCompute/machines/")
		a.arc[aid] = id
		a.ids = append(a.ids, aid)
	}
	return a
}

func TestArcScanInstallExactlyTheRequestedPatchesAndInventory(t *testing.T) {
	e := newArcEnv(t, azurefront.Options{}, nil)
	found, err := e.prov.Discover(t.Context(), fleet.Selector{})
	require.NoError(t, err)
	discovered := map[string]bool{}
	for _, in := range found {
		discovered[in.ID] = in.Reachable()
	}
	for _, id := range e.ids {
		require.True(t, discovered[id], "%s discovered and reachable", id)
	}

	scan, err := e.prov.Scan(t.Context(), e.ids, nil)
	require.NoError(t, err)
	defs := map[string]fleet.Patch{}
	for _, p := range scan.Catalog {
		defs[p.ID] = p
	}
	req := fleet.InstallRequest{CycleID: "2026-W48", Patches: scan.Catalog, Reboot: fleet.NoReboot, Deadline: time.Now().Add(2 * time.Hour)}
	before := map[string]map[string]string{}
	for _, sc := range scan.Instances {
		require.Empty(t, sc.Error, sc.InstanceID)
		fid := e.arc[sc.InstanceID]
		pending, err := e.fleet.PendingPatches(fid)
		require.NoError(t, err)
		require.Len(t, sc.Patches, len(pending), "the assessment lists what the fleet misses")
		want := map[string]bool{}
		for _, p := range pending {
			want[p.ID] = true
		}
		for _, ps := range sc.Patches {
			require.True(t, want[ps.PatchID], "%s: %s is not missing on the fleet", sc.InstanceID, ps.PatchID)
			p := defs[ps.PatchID]
			if p.OS.IsWindows() {
				require.NotEmpty(t, p.KB, p.ID)
				require.NotEmpty(t, p.Classification, p.ID)
			} else {
				require.NotEmpty(t, p.Version, p.ID)
				require.Regexp(t, `^jammy-(security|updates)$`, p.Repository)
			}
		}
		// Half of each instance's patches: the rest must stay untouched.
		req.Instances = append(req.Instances, fleet.InstanceInstallRequest{InstanceID: sc.InstanceID, PatchIDs: everyOther(sc.Patches)})
		before[sc.InstanceID] = e.versions(t, fid)
	}

	res, err := e.prov.Install(t.Context(), req, nil)
	require.NoError(t, err)
	for k, r := range res.Instances {
		require.Empty(t, r.Error, r.InstanceID)
		fid := e.arc[r.InstanceID]
		picked := map[string]bool{}
		for _, id := range req.Instances[k].PatchIDs {
			picked[id] = true
		}
		require.Len(t, r.Changes, len(picked))
		after := e.versions(t, fid)
		for _, c := range r.Changes {
			require.Contains(t, []fleet.PatchState{fleet.StateInstalled, fleet.StateInstalledPendingReboot}, c.State, c.PatchID)
			if v := defs[c.PatchID].Version; v != "" {
				require.Equal(t, after[c.Name], c.ToVersion, "%s: reported version is the fleet's", c.Name)
			}
		}
		e.requireOnlyRequested(t, r.InstanceID, fid, picked, before[r.InstanceID], after)
		require.Equal(t, 1, e.front.Count("installPatches", r.InstanceID))
	}
	require.Equal(t, 2, e.store.Len(), "resume tokens are kept, one per machine: a retry resumes instead of installing again")

	inv, err := e.prov.Inventory(t.Context(), e.ids)
	require.NoError(t, err)
	for _, i := range inv {
		require.Empty(t, i.Error, i.InstanceID)
		got := map[string]string{}
		for _, p := range i.Packages {
			got[p.Name] = p.Version
		}
		require.Equal(t, e.versions(t, e.arc[i.InstanceID]), got, "inventory is the fleet's truth")
	}
	require.Zero(t, e.front.RunCommands(), "inventory run commands are deleted")
}

func TestArcRetriedInstallResumesTheRunningOperation(t *testing.T) {
	e := newArcEnv(t, azurefront.Options{}, nil)
	id := e.ids[0]
	res, pids := e.installInterruptedThenResumed(t, id)
	require.Empty(t, res.Instances[0].Error)
	require.Len(t, res.Instances[0].Changes, len(pids))
	for _, c := range res.Instances[0].Changes {
		require.Equal(t, fleet.StateInstalled, c.State, c.PatchID)
	}
	require.Equal(t, 1, e.front.Count("installPatches", id), "one installPatches, resumed")
	require.Equal(t, 1, e.fleet.InstallCount(e.arc[id]))
	require.Equal(t, 1, e.store.Len(), "the token is kept")
}

func TestArcThrottlingIsRetriedAfterRetryAfter(t *testing.T) {
	e := newArcEnv(t, azurefront.Options{RetryAfter: 20 * time.Millisecond}, nil)
	e.front.ThrottleNext(3)
	res, err := e.prov.Scan(t.Context(), e.ids[:1], nil)
	require.NoError(t, err)
	require.Empty(t, res.Instances[0].Error)
	require.NotEmpty(t, res.Instances[0].Patches)
	throttled := 0
	for _, c := range e.front.Calls() {
		if c.Status == 429 {
			throttled++
		}
	}
	require.Equal(t, 3, throttled)

	// A storm longer than the retries fails the call as throttled.
	e.front.ThrottleNext(1000)
	e2, err := azure.New(azure.Config{Targets: targets, Credential: azure.StaticCredential("t"), Cloud: azure.EmulatorCloud(e.front.URL()),
		RootCAs: e.front.CertPool(), PollInterval: 5 * time.Millisecond, RetryDelay: 5 * time.Millisecond, MaxRetries: 2})
	require.NoError(t, err)
	_, err = e2.Scan(t.Context(), e.ids[:1], nil)
	require.ErrorIs(t, err, fleet.ErrThrottled, "%v", err)
}

func TestArcResultsMissingFromResourceGraphAreReportedNotInvented(t *testing.T) {
	e := newArcEnv(t, azurefront.Options{}, func(c *azure.Config) { c.GraphWait = 20 * time.Millisecond })
	id := e.ids[0]
	scan, err := e.prov.Scan(t.Context(), []string{id}, nil)
	require.NoError(t, err)
	require.Empty(t, scan.Instances[0].Error)
	var pids []string
	for _, ps := range scan.Instances[0].Patches {
		pids = append(pids, ps.PatchID)
	}

	e.front.HidePatchResults(true) // Resource Graph lags behind
	rescan, err := e.prov.Scan(t.Context(), []string{id}, nil)
	require.NoError(t, err)
	require.Contains(t, rescan.Instances[0].Error, "not available")
	require.Empty(t, rescan.Instances[0].Patches)

	res, err := e.prov.Install(t.Context(), fleet.InstallRequest{CycleID: "c", Patches: scan.Catalog, Reboot: fleet.NoReboot,
		Instances: []fleet.InstanceInstallRequest{{InstanceID: id, PatchIDs: pids}}}, nil)
	require.NoError(t, err)
	r := res.Instances[0]
	require.Contains(t, r.Error, "per-patch states are not available")
	require.Contains(t, r.Error, "installed ")
	for _, c := range r.Changes {
		require.NotEqual(t, fleet.StateInstalled, c.State, "not claimed installed")
		require.Contains(t, c.Error, "unknown")
	}
	require.Equal(t, 1, e.store.Len(), "the token is kept")
}

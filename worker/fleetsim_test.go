package main

// The worker's flags reach the standalone emulators: fleetsim (both
// emulators over one fleet) runs in-process, and the worker builds its
// providers from flags exactly as main does.

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/fleetsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestFleetsimWorkerFlagsDiscoverAndScanBothClouds(t *testing.T) {
	dir := t.TempDir()
	srv, err := fleetsim.Start(fleetsim.Config{Fleet: cloudsim.Config{Seed: 9, Instances: 60, Speed: 1000},
		AzureCAFile: filepath.Join(dir, "azure-ca.pem"), AWSPageSize: 50, AzurePageSize: 50, ArcMachines: 1})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	ep := srv.Endpoints()

	// Test credentials reach the AWS provider only through the standard
	// environment; nothing of the machine's own AWS setup is read.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFLEETSIMTEST0001")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "emulator-only")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "no-aws-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "no-aws-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	cfg, err := parseConfig([]string{"--provider", "multi", "--policy", examplePolicy, "--data", dir,
		"--aws-endpoint", ep.AWS, "--aws-bucket", "fleetpatch-fleetsim", "--aws-poll", "20ms",
		"--azure-endpoint", ep.Azure, "--azure-ca", ep.AzureCA, "--azure-emulator", "--azure-poll", "20ms"})
	require.NoError(t, err)
	ctx := context.Background()
	store, _, err := newStore(ctx, cfg)
	require.NoError(t, err)
	prov, err := newCloudProvider(ctx, cfg, store) // as main does for "azure" and "multi"
	require.NoError(t, err)

	insts, err := prov.Discover(ctx, fleet.Selector{})
	require.NoError(t, err)
	require.Len(t, insts, srv.Fleet().Len(), "every instance of both clouds")
	arc := map[string]string{} // Arc ID -> fleet ID
	for fleetID, arcID := range adminArc(t, srv) {
		arc[arcID] = fleetID
	}
	picked := map[fleet.Cloud]int{}
	var ids []string
	for _, in := range insts {
		if picked[in.Cloud] < 3 || arc[in.ID] != "" {
			picked[in.Cloud]++
			ids = append(ids, in.ID)
		}
	}
	require.Equal(t, 3, picked[fleet.CloudAWS])
	require.Equal(t, 4, picked[fleet.CloudAzure], "three VMs and the Arc machine")

	scan, err := prov.Scan(ctx, ids, nil)
	require.NoError(t, err)
	for _, s := range scan.Instances {
		require.Empty(t, s.Error, s.InstanceID)
		id := s.InstanceID
		if arc[id] != "" {
			id = arc[id]
		}
		truth, err := srv.Fleet().PendingPatches(id)
		require.NoError(t, err)
		var want, got []string
		for _, p := range truth {
			want = append(want, p.ID)
		}
		for _, p := range s.Patches {
			if p.State == fleet.StateMissing {
				got = append(got, p.PatchID)
			}
		}
		require.ElementsMatch(t, want, got, s.InstanceID)
	}

	calls := fleetsimCalls(t, ep.Admin)
	require.True(t, calls["aws SendCommand"] > 0 && calls["azure assessPatches"] > 0, "the admin API saw both clouds' scans: %v", calls)
}

// adminArc reads, from fleetsim's admin API, the Arc resource IDs of the
// VMs it presents as Arc machines, by fleet ID.
func adminArc(t *testing.T, srv *fleetsim.Server) map[string]string {
	t.Helper()
	var r fleetsim.InstallsResponse
	getJSON(t, srv.Endpoints().Admin+"/installs", &r)
	return r.Arc
}

// fleetsimCalls counts the accepted calls of fleetsim's call logs by cloud
// and operation ("aws SendCommand", "azure assessPatches").
func fleetsimCalls(t *testing.T, admin string) map[string]int {
	t.Helper()
	var r fleetsim.CallsResponse
	getJSON(t, admin+"/calls", &r)
	out := map[string]int{}
	for _, c := range r.AWS {
		if c.Error == "" {
			out["aws "+c.Op]++
		}
	}
	for _, c := range r.Azure {
		if c.Status < 300 {
			out["azure "+c.Op]++
		}
	}
	return out
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

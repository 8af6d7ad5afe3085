package azure_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/providers/azure"
)

// env is a simulated fleet behind the emulator and a provider over it.
type env struct {
	fleet *cloudsim.Fleet
	front *azurefront.Server
	prov  *azure.Provider
	store *azure.MemoryResumeStore
}

var targets = []policy.AzureSubscription{
	{ID: cloudsim.DefaultAzureSubscriptions[0]},
	{ID: cloudsim.DefaultAzureSubscriptions[1], ResourceGroups: cloudsim.DefaultAzureResourceGroups},
}

// newEnv starts the emulator over n instances on a virtual clock (fleet
// operations take no wall time) and a provider that polls fast.
func newEnv(t *testing.T, n int, opts azurefront.Options, tune func(*azure.Config)) *env {
	t.Helper()
	return newEnvOver(t, n, func(*cloudsim.Fleet) azurefront.Options { return opts }, tune)
}

// newEnvOver is newEnv with emulator options chosen from the fleet (such
// as which VMs are presented as Arc machines).
func newEnvOver(t *testing.T, n int, options func(*cloudsim.Fleet) azurefront.Options, tune func(*azure.Config)) *env {
	t.Helper()
	clock := cloudsim.NewVirtualClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	f := cloudsim.Generate(cloudsim.Config{Seed: 11, Instances: n, Clock: clock, AzureShare: 0.6,
		OSMix: []cloudsim.Share{{Key: cloudsim.ProductUbuntu2204, Weight: 3}, {Key: cloudsim.ProductWindows2022, Weight: 1}}})
	front := azurefront.New(f, options(f))
	url, err := front.Start()
	require.NoError(t, err)
	t.Cleanup(front.Close)
	store := azure.NewMemoryResumeStore()
	cfg := azure.Config{Targets: targets, Credential: azure.StaticCredential("test-token"), Cloud: azure.EmulatorCloud(url),
		RootCAs: front.CertPool(), PollInterval: 5 * time.Millisecond, RetryDelay: 10 * time.Millisecond,
		MaxRetryDelay: 2 * time.Second, ReadyTimeout: 200 * time.Millisecond, Resume: store}
	if tune != nil {
		tune(&cfg)
	}
	prov, err := azure.New(cfg)
	require.NoError(t, err)
	return &env{fleet: f, front: front, prov: prov, store: store}
}

// azureIDs returns the fleet's Azure VMs of an OS.
func (e *env) azureIDs(os fleet.OSFamily) []string {
	var out []string
	for _, in := range e.fleet.Instances() {
		if in.Cloud == fleet.CloudAzure && in.OS == os {
			out = append(out, in.ID)
		}
	}
	return out
}

// versions returns name -> version of an instance, from the fleet.
func (e *env) versions(t *testing.T, id string) map[string]string {
	inv, err := e.fleet.Inventory(t.Context(), []string{id})
	require.NoError(t, err)
	m := map[string]string{}
	for _, p := range inv[0].Packages {
		m[p.Name] = p.Version
	}
	return m
}

// contextCancelledOnFirstBeat returns a context and its cancel function.
func contextCancelledOnFirstBeat(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithCancel(t.Context())
}

// needy returns the fleet's Azure VMs of an OS that miss updates.
func (e *env) needy(os fleet.OSFamily) []string {
	var out []string
	for _, id := range e.azureIDs(os) {
		if p, _ := e.fleet.PendingPatches(id); len(p) > 0 {
			out = append(out, id)
		}
	}
	return out
}

// requireOnlyRequested checks on the fleet that none of the picked patches
// is still pending on the instance and that no other package changed.
func (e *env) requireOnlyRequested(t *testing.T, id, fleetID string, picked map[string]bool, before, after map[string]string) {
	t.Helper()
	pending, err := e.fleet.PendingPatches(fleetID)
	require.NoError(t, err)
	for _, p := range pending {
		require.False(t, picked[p.ID], "%s: %s still missing", id, p.ID)
	}
	changed := 0
	for name, v := range after {
		if before[name] != v {
			changed++
		}
	}
	require.Equal(t, len(picked), changed, "%s: only the requested packages changed", id)
}

// everyOther returns the IDs of every other scanned patch, from the first.
func everyOther(patches []fleet.PatchStatus) []string {
	var ids []string
	for i, ps := range patches {
		if i%2 == 0 {
			ids = append(ids, ps.PatchID)
		}
	}
	return ids
}

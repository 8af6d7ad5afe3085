package sim_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

// checks returns check -> blocks of a result's findings.
func checks(p fleet.Preflight) map[string]bool {
	out := map[string]bool{}
	for _, f := range p.Findings {
		out[f.Check] = f.Blocks
	}
	return out
}

// pickIDs returns n instances of a cloud, EC2 instances only on AWS.
func pickIDs(f *cloudsim.Fleet, c fleet.Cloud, n int) []string {
	var out []string
	for _, in := range f.Instances() {
		if in.Cloud == c && !strings.HasPrefix(in.ID, "mi-") && len(out) < n {
			out = append(out, in.ID)
		}
	}
	return out
}

func TestPreflightFindsEachDrift(t *testing.T) {
	p := newProvider(120, 51)
	f := p.Fleet()
	aws, az := pickIDs(f, fleet.CloudAWS, 6), pickIDs(f, fleet.CloudAzure, 5)
	require.Len(t, aws, 6)
	require.Len(t, az, 5)
	f.SetFaults(cloudsim.Faults{OfflineInstances: []string{aws[1], az[1]}})
	f.SetDrift(aws[2], cloudsim.Drift{AgentVersion: "2.3.1319.0"})
	f.SetDrift(aws[3], cloudsim.Drift{AgentVersion: "2.0.700.0"})
	f.SetDrift(aws[4], cloudsim.Drift{Stopped: true})
	f.SetDrift(aws[5], cloudsim.Drift{NoInstanceProfile: true})
	f.SetDrift(az[2], cloudsim.Drift{Stopped: true})
	f.SetDrift(az[3], cloudsim.Drift{PatchMode: cloudsim.PatchModeImageDefault})
	f.SetDrift(az[4], cloudsim.Drift{PatchMode: cloudsim.PatchModeAutomaticByPlatform, NoBypass: true})

	ids := append(append(append([]string{}, aws...), az...), "i-0000000000000000")
	res, err := p.Preflight(context.Background(), ids)
	require.NoError(t, err)
	require.Len(t, res, len(ids))
	for i, r := range res {
		assert.Equal(t, ids[i], r.InstanceID, "in the request's order")
	}
	want := []map[string]bool{
		{},
		{fleet.DriftAgentOffline: true},
		{fleet.DriftAgentOld: false},
		{fleet.DriftAgentOld: true},
		{fleet.DriftStopped: true},
		{fleet.DriftNoProfile: true},
		{},
		{fleet.DriftVMAgent: true},
		{fleet.DriftStopped: true},
		{fleet.DriftPatchMode: false},
		{fleet.DriftPatchMode: false},
		{fleet.DriftUnknownInstance: true},
	}
	for i, w := range want {
		assert.Equal(t, w, checks(res[i]), "%d %s: %+v", i, ids[i], res[i].Findings)
	}
	assert.Equal(t, cloudsim.DefaultSSMAgentVersion, res[0].AgentVersion)
	assert.Equal(t, "2.3.1319.0", res[2].AgentVersion)
	assert.Empty(t, res[0].PatchMode)
	assert.Equal(t, cloudsim.DefaultVMAgentVersion, res[6].AgentVersion)
	assert.Equal(t, cloudsim.PatchModeAutomaticByPlatform, res[6].PatchMode)
	assert.Equal(t, cloudsim.PatchModeImageDefault, res[9].PatchMode)
	assert.False(t, res[2].Blocked(), "an outdated agent above Patch Manager's minimum is a warning")
	assert.True(t, res[5].Blocked())
	assert.Contains(t, res[5].Findings[0].Detail, "Default Host Management Configuration")

	calls := p.Calls()
	require.Len(t, calls, 1)
	assert.Equal(t, sim.Call{Op: sim.OpPreflight, Instances: len(ids)}, calls[0])
}

func TestPreflightHybridNodesHaveNoProfileCheck(t *testing.T) {
	p := sim.New(cloudsim.Generate(cloudsim.Config{Seed: 52, Instances: 80, AzureShare: -1, HybridShare: 0.5, Now: t0, Clock: cloudsim.NewVirtualClock(t0)}))
	var hybrid string
	for _, in := range p.Fleet().Instances() {
		if strings.HasPrefix(in.ID, "mi-") {
			hybrid = in.ID
			break
		}
	}
	require.NotEmpty(t, hybrid)
	p.Fleet().SetDrift(hybrid, cloudsim.Drift{NoInstanceProfile: true})
	res, err := p.Preflight(context.Background(), []string{hybrid})
	require.NoError(t, err)
	assert.Empty(t, res[0].Findings)
}

func TestPreflightRefusesMoreThanMaxBatch(t *testing.T) {
	p := newProvider(120, 53)
	_, err := p.Preflight(context.Background(), p.Fleet().IDs()[:fleet.MaxBatch+1])
	assert.ErrorIs(t, err, fleet.ErrTooManyInstances)
}

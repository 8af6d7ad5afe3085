package multi_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/multi"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

func TestPreflightRoutesByCloudAndKeepsOrder(t *testing.T) {
	f := healthFleet()
	aws, az := sim.New(f), sim.New(f)
	p := multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: aws, fleet.CloudAzure: az})
	a, z := firstOf(f, fleet.CloudAWS, 2), firstOf(f, fleet.CloudAzure, 2)
	f.SetDrift(a[1], cloudsim.Drift{Stopped: true})
	f.SetDrift(z[0], cloudsim.Drift{PatchMode: cloudsim.PatchModeImageDefault})
	ids := []string{z[0], a[0], "gce-1", a[1], z[1]}
	res, err := p.Preflight(context.Background(), ids)
	require.NoError(t, err)
	require.Len(t, res, len(ids))
	for i, r := range res {
		assert.Equal(t, ids[i], r.InstanceID, "results in the request's order")
	}
	assert.Equal(t, []fleet.DriftFinding{{Check: fleet.DriftPatchMode, Blocks: false,
		Detail: res[0].Findings[0].Detail}}, res[0].Findings)
	assert.False(t, res[1].Blocked())
	assert.Equal(t, fleet.DriftUnknownInstance, res[2].Findings[0].Check)
	assert.True(t, res[2].Blocked(), "an instance of no configured cloud cannot be patched")
	assert.Contains(t, res[2].Findings[0].Detail, "no provider for instance gce-1")
	assert.Equal(t, fleet.DriftStopped, res[3].Findings[0].Check)
	assert.True(t, res[3].Blocked())
	assert.False(t, res[4].Blocked())
	assert.Equal(t, []sim.Call{{Op: sim.OpPreflight, Instances: 2}}, aws.Calls())
	assert.Equal(t, []sim.Call{{Op: sim.OpPreflight, Instances: 2}}, az.Calls())
}

func TestPreflightOfACloudWithoutPreflighterIsAWarning(t *testing.T) {
	f := healthFleet()
	p := multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: sim.New(f), fleet.CloudAzure: plain{sim.New(f)}})
	a, z := firstOf(f, fleet.CloudAWS, 1), firstOf(f, fleet.CloudAzure, 1)
	res, err := p.Preflight(context.Background(), []string{z[0], a[0]})
	require.NoError(t, err, "not a call failure")
	assert.Equal(t, fleet.Preflight{InstanceID: z[0], Findings: []fleet.DriftFinding{{Check: fleet.DriftCheckFailed,
		Detail: "not checked: the azure provider cannot run pre-flight checks (it does not implement fleet.Preflighter)"}}}, res[0])
	assert.False(t, res[0].Blocked())
	assert.Equal(t, a[0], res[1].InstanceID)
	assert.NotEmpty(t, res[1].AgentVersion, "the AWS instance was checked")
}

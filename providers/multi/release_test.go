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

// UpgradeRelease goes to each instance's cloud; a cloud whose provider
// cannot move release versions, and an unknown cloud, are errors per
// instance, in the request's order.
func TestUpgradeReleaseRoutesByCloud(t *testing.T) {
	f := healthFleet()
	aws := sim.New(f)
	p := multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: aws, fleet.CloudAzure: plain{sim.New(f)}})
	var a string
	for _, in := range f.Instances() {
		if in.Cloud == fleet.CloudAWS && in.OS == fleet.OSAmazonLinux2023 {
			a = in.ID
			break
		}
	}
	require.NotEmpty(t, a, "the fleet has an AL2023 AWS instance")
	z := firstOf(f, fleet.CloudAzure, 1)[0]
	latest := cloudsim.LatestAL2023Release()
	res, err := p.UpgradeRelease(context.Background(), []string{z, a, "gce-1"}, latest)
	require.NoError(t, err)
	require.Len(t, res, 3)
	assert.Contains(t, res[0].Error, "does not implement fleet.ReleaseUpgrader")
	assert.Equal(t, a, res[1].InstanceID)
	assert.Empty(t, res[1].Error)
	assert.Equal(t, latest, res[1].To)
	assert.Equal(t, latest, f.ReleaseVersion(a))
	assert.Contains(t, res[2].Error, "no provider for instance gce-1")
	assert.Equal(t, []sim.Call{{Op: sim.OpUpgradeRelease, Instances: 1}}, aws.Calls())
}

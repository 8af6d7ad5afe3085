package sim_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

// UpgradeRelease passes through to the fleet, within the batch limit, and
// is logged.
func TestProviderUpgradeRelease(t *testing.T) {
	p := newProvider(200, 3)
	ctx := context.Background()
	ids := p.Fleet().IDs()
	_, err := p.UpgradeRelease(ctx, ids[:fleet.MaxBatch+1], cloudsim.LatestAL2023Release())
	require.ErrorIs(t, err, fleet.ErrTooManyInstances)

	var al []string
	for _, in := range p.Fleet().Instances() {
		if in.OS == fleet.OSAmazonLinux2023 && len(al) < 10 {
			al = append(al, in.ID)
		}
	}
	require.NotEmpty(t, al)
	res, err := p.UpgradeRelease(ctx, al, cloudsim.LatestAL2023Release())
	require.NoError(t, err)
	require.Len(t, res, len(al))
	for i, r := range res {
		require.Equal(t, al[i], r.InstanceID)
		require.Empty(t, r.Error)
		require.Equal(t, cloudsim.LatestAL2023Release(), r.To)
		require.Equal(t, cloudsim.LatestAL2023Release(), p.Fleet().ReleaseVersion(al[i]))
	}
	calls := p.Calls()
	require.Equal(t, sim.Call{Op: sim.OpUpgradeRelease, Instances: len(al)}, calls[len(calls)-1])
}

package multi_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/multi"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

// cloudOnly is a sim provider that serves one cloud and fails on others.
type cloudOnly struct {
	*sim.Provider
	cloud fleet.Cloud
	seen  []string
}

func (c *cloudOnly) Discover(ctx context.Context, sel fleet.Selector) ([]fleet.Instance, error) {
	sel.Clouds = []fleet.Cloud{c.cloud}
	return c.Provider.Discover(ctx, sel)
}

func (c *cloudOnly) Scan(ctx context.Context, ids []string, pr fleet.Progress) (fleet.ScanResult, error) {
	for _, id := range ids {
		if multi.CloudOf(id) != c.cloud {
			return fleet.ScanResult{}, context.Canceled
		}
	}
	c.seen = append(c.seen, ids...)
	return c.Provider.Scan(ctx, ids, pr)
}

func TestRoutesEachInstanceToItsCloudAndKeepsOrder(t *testing.T) {
	f := cloudsim.Generate(cloudsim.Config{Seed: 3, Instances: 60, Speed: 1, Timing: &cloudsim.Timing{},
		Now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	aws := &cloudOnly{Provider: sim.New(f), cloud: fleet.CloudAWS}
	az := &cloudOnly{Provider: sim.New(f), cloud: fleet.CloudAzure}
	p := multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: aws, fleet.CloudAzure: az})

	all, err := p.Discover(t.Context(), fleet.Selector{})
	require.NoError(t, err)
	require.Len(t, all, f.Len())
	ids := make([]string, 0, 20)
	for _, in := range all[:10] {
		ids = append(ids, in.ID)
	}
	for _, in := range all[len(all)-10:] {
		ids = append(ids, in.ID)
	}
	ids = append(ids, "vm-unknown")
	var last int
	res, err := p.Scan(t.Context(), ids, func(done, total int) { last = done; require.Equal(t, len(ids), total) })
	require.NoError(t, err)
	require.Equal(t, len(ids)-1, last)
	for i, sc := range res.Instances {
		require.Equal(t, ids[i], sc.InstanceID)
	}
	require.Contains(t, res.Instances[len(ids)-1].Error, "no provider")
	require.NotEmpty(t, aws.seen)
	require.NotEmpty(t, az.seen)
	require.Equal(t, len(ids)-1, len(aws.seen)+len(az.seen))
}

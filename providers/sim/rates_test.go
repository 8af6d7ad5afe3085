package sim

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// With buckets that never refill, a call passes while its scope has
// tokens and then waits (past the context's deadline, so it fails at
// once): an AWS batch takes one token per account and region, an Azure
// batch one per VM of its subscription; other scopes are not touched.
func TestRatesPaceCallsPerAccountAndSubscription(t *testing.T) {
	f := cloudsim.Generate(cloudsim.Config{Seed: 1, Instances: 400, Speed: 1, Timing: &cloudsim.Timing{}})
	byScope := map[string][]string{}
	for _, in := range f.Instances() {
		scope := string(in.Cloud) + "|" + in.Account + "|" + in.Region
		if in.Cloud == fleet.CloudAzure {
			scope = "azure|" + in.Account
		}
		byScope[scope] = append(byScope[scope], in.ID)
	}
	var aws, aws2, azure []string
	for scope, ids := range byScope {
		switch {
		case scope[:6] == "azure|" && len(ids) >= 4 && azure == nil:
			azure = ids[:4]
		case scope[:6] != "azure|" && len(ids) >= 3 && aws == nil:
			aws = ids[:3]
		case scope[:6] != "azure|" && len(ids) >= 1 && aws2 == nil:
			aws2 = ids[:1]
		}
	}
	require.NotNil(t, aws)
	require.NotNil(t, aws2)
	require.NotNil(t, azure)

	p := New(f)
	p.SetRates(Rates{AWSPerSecond: 1e-9, AWSBurst: 1, AzurePerSecond: 1e-9, AzureBurst: 6})
	scan := func(ids []string) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := p.Scan(ctx, ids, nil)
		return err
	}
	require.NoError(t, scan(aws), "three instances of one account and region: one call")
	require.ErrorContains(t, scan(aws), "API rate", "the account's bucket is empty")
	require.NoError(t, scan(aws2), "another account or region has its own bucket")
	require.NoError(t, scan(azure), "four VMs of a subscription: four of its six tokens")
	require.ErrorContains(t, scan(azure), "API rate", "four more do not fit")
	require.NoError(t, scan(azure[:2]), "two do")

	wait := func(ids []string) error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := p.WaitReady(ctx, ids, nil)
		return err
	}
	p.SetRates(Rates{AzurePerSecond: 1e-9, AzureBurst: 1, AzureReadPerSecond: 1e-9, AzureReadBurst: 4})
	require.NoError(t, wait(azure), "instanceView reads take the read bucket: four of its four tokens")
	require.ErrorContains(t, wait(azure[:1]), "API rate", "the read bucket is empty")
	require.NoError(t, scan(azure[:1]), "the write bucket was not touched by the reads")

	p.SetRates(Rates{})
	require.NoError(t, scan(aws), "zero rates: no limit")
	require.Equal(t, 6, countOp(p.Calls(), OpScan), "paced-out calls never reached the fleet")
}

func countOp(calls []Call, op Operation) int {
	n := 0
	for _, c := range calls {
		if c.Op == op {
			n++
		}
	}
	return n
}

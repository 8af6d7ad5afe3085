package aws_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

// slack absorbs the HTTP round trip between the provider's token bucket
// and the emulator's clock.
const slack = 30 * time.Millisecond

// arrivals returns the arrival times of the emulator's calls of a service,
// by account and region, in order.
func arrivals(calls []awsfront.Call, service string) map[[2]string][]time.Time {
	out := map[[2]string][]time.Time{}
	for _, c := range calls {
		if c.Service == service {
			k := [2]string{c.Account, c.Region}
			out[k] = append(out[k], c.At)
		}
	}
	for _, at := range out {
		sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
	}
	return out
}

// requirePaced fails unless the i-th call came at least i/perSecond after
// the first (a bucket of one token).
func requirePaced(t *testing.T, what string, at []time.Time, perSecond float64) {
	t.Helper()
	require.GreaterOrEqual(t, len(at), 3, "%s: too few calls to see a pace", what)
	for i := 1; i < len(at); i++ {
		min := time.Duration(float64(i) / perSecond * float64(time.Second))
		require.GreaterOrEqual(t, at[i].Sub(at[0]), min-slack, "%s: call %d of %d came early", what, i+1, len(at))
	}
}

// An account's targets.aws[].rates pace its own SSM and EC2 calls, one
// bucket per service in each region; the other accounts keep the
// provider-wide Config.Rate (the worker's --aws-rate), and a zero field
// takes the provider-wide value.
func TestAccountRatesPaceThatAccountsSSMAndEC2Calls(t *testing.T) {
	const slow, lax, other = "111111111111", "333333333333", "222222222222"
	const ssmRate, ec2Rate = 8, 4
	e := newEnv(t, 60, nil, awsfront.Options{PageSize: 2}, func(c *awsprov.Config) {
		for i, tg := range c.Targets {
			switch tg.ID {
			case slow:
				c.Targets[i].Rates = policy.AWSRates{SSM: policy.RateLimit{PerSecond: ssmRate, Burst: 1},
					EC2: policy.RateLimit{PerSecond: ec2Rate, Burst: 1}}
			case lax:
				// Burst left zero: Config.Burst (1000) holds every call.
				c.Targets[i].Rates = policy.AWSRates{EC2: policy.RateLimit{PerSecond: 0.1}}
			}
		}
	})
	ctx := context.Background()
	_, err := e.prov.Discover(ctx, fleet.Selector{})
	require.NoError(t, err)
	for range 3 {
		_, err := e.prov.ListSnapshots(ctx, fleet.SnapshotFilter{})
		require.NoError(t, err)
	}
	calls := e.front.Calls()
	ssmAt, ec2At := arrivals(calls, "ssm"), arrivals(calls, "ec2")

	var slowEC2 []time.Time
	for k, at := range ssmAt {
		span := at[len(at)-1].Sub(at[0])
		switch k[0] {
		case slow:
			requirePaced(t, "ssm "+k[1], at, ssmRate)
			// SSM has its own bucket: it is not held to EC2's slower rate.
			require.Less(t, span, time.Duration(float64(len(at)-1)/ec2Rate*float64(time.Second)),
				"ssm %s: paced at the EC2 rate", k[1])
		case other:
			require.GreaterOrEqual(t, len(at), 3)
			require.Less(t, span, time.Duration(float64(len(at)-1)/ssmRate*float64(time.Second))/2,
				"account %s region %s has no rates and keeps Config.Rate", k[0], k[1])
		}
	}
	for k, at := range ec2At {
		switch k[0] {
		case slow:
			requirePaced(t, "ec2 "+k[1], at, ec2Rate)
			slowEC2 = append(slowEC2, at...)
		case lax:
			require.Len(t, at, 3)
			require.Less(t, at[2].Sub(at[0]), time.Second, "ec2 %s: a zero burst takes Config.Burst", k[1])
		}
	}
	// Each region has its own buckets: the account's EC2 calls in its two
	// regions together came faster than one bucket would have let them.
	sort.Slice(slowEC2, func(i, j int) bool { return slowEC2[i].Before(slowEC2[j]) })
	require.Len(t, slowEC2, 6)
	require.Less(t, slowEC2[5].Sub(slowEC2[0]), time.Duration(float64(5)/ec2Rate*float64(time.Second))-slack,
		"the regions of %s share one EC2 bucket", slow)
}

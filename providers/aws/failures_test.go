package aws_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/fleet"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

// installRequest asks to install every patch each instance misses.
func (e *env) installRequest(ids []string, reboot fleet.RebootOption) fleet.InstallRequest {
	req := fleet.InstallRequest{CycleID: "prod-auto/2026-W48", Reboot: reboot}
	seen := map[string]bool{}
	for _, id := range ids {
		pending, err := e.fleet.PendingPatches(id)
		require.NoError(e.t, err)
		ir := fleet.InstanceInstallRequest{InstanceID: id}
		for _, p := range pending {
			ir.PatchIDs = append(ir.PatchIDs, p.ID)
			if !seen[p.ID] {
				seen[p.ID] = true
				req.Patches = append(req.Patches, p.Patch)
			}
		}
		req.Instances = append(req.Instances, ir)
	}
	return req
}

// needy returns n AWS instances that miss at least one patch.
func (e *env) needy(n int) []string {
	var out []string
	for _, id := range e.ids(fleet.Selector{}) {
		if p, _ := e.fleet.PendingPatches(id); len(p) > 0 && len(out) < n {
			out = append(out, id)
		}
	}
	require.Len(e.t, out, n)
	return out
}

func TestAssumeRoleFailureMakesOneAccountUnreachableAndItsCallsPermanent(t *testing.T) {
	e := newEnv(t, 90, nil, awsfrontOpts(), nil)
	const denied = "222222222222"
	e.front.DenyAssumeRole(denied, "role trust policy does not trust the worker")
	ctx := context.Background()
	got, err := e.prov.Discover(ctx, fleet.Selector{})
	require.NoError(t, err, "one account's failure never fails the discovery")
	reachable := 0
	for _, i := range got {
		if i.Account == denied {
			require.Equal(t, awsprov.PlaceholderID(denied, i.Region), i.ID)
			require.Contains(t, i.Unreachable, "cannot assume role arn:aws:iam::222222222222:role/fleetpatch-target")
			require.Contains(t, i.Unreachable, "AccessDenied")
			continue
		}
		require.True(t, i.Reachable(), i.ID)
		reachable++
	}
	require.Equal(t, len(e.ids(fleet.Selector{}))-len(e.ids(fleet.Selector{Accounts: []string{denied}})), reachable)

	// A scan that needs the denied account fails at once, for good,
	// naming the account and the refused action; nothing was sent.
	ids := append(e.ids(fleet.Selector{Accounts: []string{denied}})[:3], e.ids(fleet.Selector{Accounts: []string{"111111111111"}})[:3]...)
	_, err = e.prov.Scan(ctx, ids, nil)
	require.ErrorIs(t, err, fleet.ErrPermanent)
	require.Contains(t, err.Error(), "account 222222222222")
	require.Contains(t, err.Error(), "denied action sts:AssumeRole")
	require.NotContains(t, err.Error(), "\n")
	for _, c := range e.front.Calls() {
		require.NotEqual(t, "SendCommand", c.Op)
	}
}

func TestThrottlingStormFinishesWithinTheConfiguredRate(t *testing.T) {
	const rate, burst = 40, 4
	// The emulator allows less than the provider sends, as a busy account
	// does: calls over 20/s per account and region are throttled.
	e := newEnv(t, 60, nil, awsfront.Options{PageSize: 4, Throttle: awsfront.Throttle{Rate: 20, Burst: 2}},
		// Standard retries: adaptive mode would crawl at its 0.5/s floor
		// in a storm this dense (TestThrottlingThatOutlastsTheRetriesIsErrThrottled
		// uses adaptive mode).
		func(c *awsprov.Config) {
			c.Rate, c.Burst, c.RetryMode, c.MaxAttempts = rate, burst, aws.RetryModeStandard, 30
		})
	ctx := context.Background()
	_, err := e.prov.Discover(ctx, fleet.Selector{})
	require.NoError(t, err)
	ids := e.needy(12)
	_, err = e.prov.Scan(ctx, ids, nil)
	require.NoError(t, err)
	res, err := e.prov.Install(ctx, e.installRequest(ids, fleet.NoReboot), nil)
	require.NoError(t, err)
	for _, r := range res.Instances {
		require.False(t, r.Failed(), "%s: %s", r.InstanceID, r.Error)
	}
	rates := e.front.SSMRate()
	require.Positive(t, rates.Throttled, "the storm throttled calls")
	require.LessOrEqual(t, rates.PeakPerSecond, rate+burst, "%s: %d SSM calls within a second", rates.Place, rates.PeakPerSecond)
}

func TestThrottlingThatOutlastsTheRetriesIsErrThrottled(t *testing.T) {
	e := newEnv(t, 20, nil, awsfront.Options{Throttle: awsfront.Throttle{Every: 1}},
		func(c *awsprov.Config) { c.MaxAttempts = 2 })
	_, err := e.prov.Discover(context.Background(), fleet.Selector{})
	require.True(t, errors.Is(err, fleet.ErrThrottled), "%v", err)
}

func TestAgentGoingOfflineMidInstallFailsOnlyThatInstance(t *testing.T) {
	clock := cloudsim.NewManualClock(time.Date(2026, 11, 24, 22, 0, 0, 0, time.UTC))
	e := newEnv(t, 60, clock, awsfrontOpts(), nil)
	ids := e.needy(6)
	victim := ids[2]
	ctx := context.Background()
	_, err := e.prov.Discover(ctx, fleet.Selector{})
	require.NoError(t, err)
	done := installAsync(e.prov, ctx, e.installRequest(ids, fleet.NoReboot))
	// The install is under way once the fleet waits for simulated time.
	require.Eventually(t, func() bool { return clock.Sleepers() > 0 }, 10*time.Second, time.Millisecond)
	e.fleet.SetFaults(cloudsim.Faults{OfflineInstances: []string{victim}})
	r := advanceUntilDone(t, clock, done)
	require.NoError(t, r.err)
	for _, i := range r.res.Instances {
		if i.InstanceID == victim {
			// Depending on whether the agent dropped before or after the
			// command reached it, SSM ends the invocation DeliveryTimedOut
			// (nothing ran) or ExecutionTimedOut (outcome unknown); either
			// way the instance is failed with the agent's state.
			require.Regexp(t, `(Delivery|Execution)TimedOut`, i.Error)
			require.Contains(t, i.Error, "ConnectionLost")
			if strings.Contains(i.Error, "DeliveryTimedOut") {
				left, _ := e.fleet.PendingPatches(victim)
				require.NotEmpty(t, left, "nothing was installed on the instance the command never reached")
			}
			continue
		}
		require.False(t, i.Failed(), "%s: %s", i.InstanceID, i.Error)
	}
}

func TestCommandThatTimesOutIsReportedPerInstance(t *testing.T) {
	clock := cloudsim.NewVirtualClock(time.Date(2026, 11, 24, 22, 0, 0, 0, time.UTC))
	e := newEnv(t, 60, clock, awsfrontOpts(), nil)
	ids := e.needy(4)
	slow := ids[1]
	e.fleet.SetFaults(cloudsim.Faults{SlowInstallInstances: []string{slow}, SlowInstallDelay: 3 * time.Hour})
	res, err := e.prov.Install(context.Background(), e.installRequest(ids, fleet.NoReboot), nil)
	require.NoError(t, err)
	for _, i := range res.Instances {
		if i.InstanceID == slow {
			require.Contains(t, i.Error, "TimedOut (ExecutionTimedOut)")
			require.True(t, i.Failed())
			continue
		}
		require.False(t, i.Failed(), "%s: %s", i.InstanceID, i.Error)
	}
}

func TestProviderCancelsACommandThatNeverEnds(t *testing.T) {
	clock := cloudsim.NewManualClock(time.Date(2026, 11, 24, 22, 0, 0, 0, time.UTC))
	e := newEnv(t, 60, clock, awsfrontOpts(), func(c *awsprov.Config) { c.CommandTimeout = 200 * time.Millisecond })
	ids := e.needy(3)
	res, err := e.prov.Install(context.Background(), e.installRequest(ids, fleet.NoReboot), nil)
	require.NoError(t, err)
	for _, i := range res.Instances {
		require.Contains(t, i.Error, "was cancelled", i.InstanceID)
	}
	cancelled := false
	for _, c := range e.front.Calls() {
		cancelled = cancelled || c.Op == "CancelCommand"
	}
	require.True(t, cancelled, "the provider cancelled the command")
}

// installAsync runs Install in the background; the result arrives on the
// returned channel.
func installAsync(p *awsprov.Provider, ctx context.Context, req fleet.InstallRequest) <-chan installOutcome {
	done := make(chan installOutcome, 1)
	go func() {
		res, err := p.Install(ctx, req, nil)
		done <- installOutcome{res, err}
	}()
	return done
}

// installOutcome is what an asynchronous Install returned.
type installOutcome struct {
	res fleet.InstallResult
	err error
}

// advanceUntilDone moves the manual clock an hour at a time until the
// asynchronous call has returned, and returns what it returned.
func advanceUntilDone(t *testing.T, clock *cloudsim.ManualClock, done <-chan installOutcome) installOutcome {
	t.Helper()
	var r installOutcome
	require.Eventually(t, func() bool {
		clock.Advance(time.Hour)
		select {
		case r = <-done:
			return true
		default:
			return false
		}
	}, 10*time.Second, 5*time.Millisecond)
	return r
}

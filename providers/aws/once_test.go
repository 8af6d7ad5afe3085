package aws_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

// worker returns a new provider over the emulator, as a worker started
// after another died has: nothing in memory.
func (e *env) worker() *awsprov.Provider {
	base := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAFLEETPATCHTEST01", "secret", "")}
	p, err := awsprov.New(context.Background(), awsprov.Config{
		Targets: targets(), Base: &base, Bucket: "fleetpatch-overrides",
		Endpoints:    awsprov.Endpoints{SSM: e.url, STS: e.url, S3: e.url},
		PollInterval: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Rate: 1000, Burst: 1000,
	})
	require.NoError(e.t, err)
	return p
}

// needyIn returns n instances of one account and region (one command)
// that miss at least one patch.
func (e *env) needyIn(n int) []string {
	var out []string
	sel := fleet.Selector{Accounts: []string{"111111111111"}, Regions: cloudsim.DefaultAWSRegions[:1]}
	for _, id := range e.ids(sel) {
		if p, _ := e.fleet.PendingPatches(id); len(p) > 0 && len(out) < n {
			out = append(out, id)
		}
	}
	require.Len(e.t, out, n)
	return out
}

// installCommands returns the IDs of every Install SendCommand in the log.
func (e *env) installCommands() [][]string {
	var out [][]string
	for _, c := range e.front.Calls() {
		if c.Op == "SendCommand" && c.Operation == "Install" {
			out = append(out, c.IDs)
		}
	}
	return out
}

// sinceLast reports whether op was called after the last call to after.
func (e *env) sinceLast(after, op string) bool {
	seen := false
	for _, c := range e.front.Calls() {
		switch c.Op {
		case after:
			seen = false
		case op:
			seen = true
		}
	}
	return seen
}

func TestRetriedInstallWaitsForTheDeadWorkersCommand(t *testing.T) {
	clock := cloudsim.NewManualClock(time.Date(2026, 11, 24, 22, 0, 0, 0, time.UTC))
	e := newEnv(t, 90, clock, awsfrontOpts(), nil)
	ids := e.needyIn(4)
	req := e.installRequest(ids, fleet.NoReboot)

	// The first worker sends the command and dies while it runs.
	ctx1, kill := context.WithCancel(context.Background())
	died := make(chan error, 1)
	go func() { _, err := e.prov.Install(ctx1, req, nil); died <- err }()
	require.Eventually(t, func() bool { return len(e.installCommands()) == 1 && clock.Sleepers() > 0 }, 10*time.Second, time.Millisecond)
	kill()
	require.ErrorIs(t, <-died, context.Canceled)

	// Temporal retries the activity on another worker, which finds the
	// running command and waits for it.
	done := installAsync(e.worker(), context.Background(), req)
	require.Eventually(t, func() bool { return e.sinceLast("ListCommands", "ListCommandInvocations") }, 10*time.Second, time.Millisecond)
	r := advanceUntilDone(t, clock, done)
	require.NoError(t, r.err)
	require.Len(t, r.res.Instances, len(ids))
	for _, i := range r.res.Instances {
		require.False(t, i.Failed(), "%s: %s", i.InstanceID, i.Error)
		require.NotEmpty(t, i.Changes, i.InstanceID)
		for _, c := range i.Changes {
			require.Contains(t, []fleet.PatchState{fleet.StateInstalled, fleet.StateInstalledPendingReboot}, c.State, "%s %s", i.InstanceID, c.PatchID)
		}
	}
	require.Len(t, e.installCommands(), 1, "one Install command for the batch")
	for _, id := range ids {
		require.Equal(t, 1, e.fleet.InstallCount(id), id)
	}

	// A later retry, after the command finished, reads its results again.
	res, err := e.worker().Install(context.Background(), req, nil)
	require.NoError(t, err)
	for _, i := range res.Instances {
		require.False(t, i.Failed(), "%s: %s", i.InstanceID, i.Error)
	}
	require.Len(t, e.installCommands(), 1, "no Install command after the finished one")

	// Another call (say, a retry run of the cycle) sends its own.
	_, err = e.worker().Install(awsprov.WithCallKey(context.Background(), "retry-1"), req, nil)
	require.NoError(t, err)
	require.Len(t, e.installCommands(), 2)
}

func TestRetryAfterATimedOutCommandSendsANewOne(t *testing.T) {
	clock := cloudsim.NewVirtualClock(time.Date(2026, 11, 24, 22, 0, 0, 0, time.UTC))
	e := newEnv(t, 90, clock, awsfrontOpts(), nil)
	ids := e.needyIn(3)
	slow := ids[1]
	req := e.installRequest(ids, fleet.NoReboot)
	e.fleet.SetFaults(cloudsim.Faults{SlowInstallInstances: []string{slow}, SlowInstallDelay: 3 * time.Hour})
	first, err := e.prov.Install(context.Background(), req, nil)
	require.NoError(t, err)
	for _, i := range first.Instances {
		require.Equal(t, i.InstanceID == slow, i.Failed(), "%s: %s", i.InstanceID, i.Error)
	}
	require.Len(t, e.installCommands(), 1)

	// The retry resends only to the instance whose invocation timed out.
	e.fleet.SetFaults(cloudsim.Faults{})
	res, err := e.worker().Install(context.Background(), req, nil)
	require.NoError(t, err)
	for _, i := range res.Instances {
		require.False(t, i.Failed(), "%s: %s", i.InstanceID, i.Error)
	}
	require.Equal(t, [][]string{ids, {slow}}, e.installCommands())

	// A further retry finds both commands finished and sends nothing.
	_, err = e.worker().Install(context.Background(), req, nil)
	require.NoError(t, err)
	require.Len(t, e.installCommands(), 2)
	for _, id := range ids {
		require.Equal(t, 1, e.fleet.InstallCount(id), id)
	}
}

func TestScanReusesAFinishedCommandOnlyForTheSameCall(t *testing.T) {
	e := newEnv(t, 30, nil, awsfrontOpts(), nil)
	ids := e.ids(fleet.Selector{Accounts: []string{"111111111111"}})[:3]
	scans := func() int {
		n := 0
		for _, c := range e.front.Calls() {
			if c.Op == "SendCommand" && c.Operation == "Scan" {
				n++
			}
		}
		return n
	}
	ctx := awsprov.WithCallKey(context.Background(), "scan-batch-7")
	_, err := e.prov.Scan(ctx, ids, nil)
	require.NoError(t, err)
	res, err := e.worker().Scan(ctx, ids, nil)
	require.NoError(t, err)
	for _, s := range res.Instances {
		require.Empty(t, s.Error, s.InstanceID)
	}
	require.Equal(t, 1, scans(), "the retried call reads the finished scan")
	_, err = e.worker().Scan(context.Background(), ids, nil)
	require.NoError(t, err)
	require.Equal(t, 2, scans(), "a call without a key scans afresh")
}

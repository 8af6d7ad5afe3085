package aws_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

// calls counts the emulator's calls of an SSM operation (and, for
// SendCommand, of a document Operation when op is "SendCommand:Install").
func (e *env) calls(op string) int {
	n := 0
	for _, c := range e.front.Calls() {
		if c.Op == op || (op == "SendCommand:Install" && c.Op == "SendCommand" && c.Operation == "Install") {
			n++
		}
	}
	return n
}

func TestInstallOutlastingTheWindowIsCancelledAtItsEnd(t *testing.T) {
	// The fleet runs on the wall clock with instant installs, but one
	// instance's install takes five more hours: the window ends first.
	e := newEnv(t, 90, nil, awsfrontOpts(), nil)
	ids := e.needyIn(3)
	slow := ids[1]
	e.fleet.SetFaults(cloudsim.Faults{SlowInstallInstances: []string{slow}, SlowInstallDelay: 5 * time.Hour})
	req := e.installRequest(ids, fleet.NoReboot)
	// The window ends in a second; its cutoff plays no part here (the
	// command is sent at once).
	req.Deadline, req.LastStart = time.Now().Add(time.Second), time.Now().Add(time.Hour)
	res, err := e.prov.Install(context.Background(), req, nil)
	require.NoError(t, err)
	for _, i := range res.Instances {
		if i.InstanceID == slow {
			require.True(t, i.Failed())
			require.Contains(t, i.Error, "was still running at the window's end "+req.Deadline.UTC().Format(time.RFC3339)+" and was cancelled")
			continue
		}
		require.False(t, i.Failed(), "%s: %s", i.InstanceID, i.Error)
	}
	require.Equal(t, 1, e.calls("CancelCommand"), "the provider cancelled the command at the window's end")
	require.Equal(t, 1, e.calls("SendCommand:Install"))
	require.Zero(t, e.fleet.InstallCount(slow), "nothing was installed on the instance still running at the end")
	left, err := e.fleet.PendingPatches(slow)
	require.NoError(t, err)
	require.NotEmpty(t, left)
}

func TestNoInstallCommandIsSentAfterTheCutoff(t *testing.T) {
	e := newEnv(t, 90, nil, awsfrontOpts(), nil)
	ids := e.needy(6) // several accounts and regions
	for _, cutoff := range []time.Time{time.Now().Add(-time.Minute), time.Now().Add(10 * time.Second)} {
		req := e.installRequest(ids, fleet.RebootIfNeeded)
		req.LastStart, req.Deadline = cutoff, cutoff.Add(30*time.Minute)
		_, err := e.prov.Install(context.Background(), req, nil)
		require.ErrorIs(t, err, fleet.ErrWindowClosed, "cutoff %s", cutoff)
		require.Contains(t, err.Error(), cutoff.UTC().Format(time.RFC3339))
	}
	require.Zero(t, e.calls("SendCommand"), "no command after the cutoff, nor less than SSM's shortest delivery timeout before it")
	require.Zero(t, e.calls("PutObject"), "nothing was uploaded either")
	for _, id := range ids {
		require.Zero(t, e.fleet.InstallCount(id), id)
	}
}

func TestRetryAfterTheCutoffResumesTheRunningCommandOnly(t *testing.T) {
	clock := cloudsim.NewManualClock(time.Date(2026, 11, 24, 22, 0, 0, 0, time.UTC))
	e := newEnv(t, 90, clock, awsfrontOpts(), nil)
	ids := e.needyIn(4)
	req := e.installRequest(ids, fleet.NoReboot)
	req.LastStart, req.Deadline = time.Now().Add(time.Hour), time.Now().Add(2*time.Hour)
	ctx := awsprov.WithCallKey(context.Background(), "wave-1/batch-0/install")

	// The first worker sends the command, with a delivery timeout that
	// ends at the cutoff, and dies while it runs.
	ctx1, kill := context.WithCancel(ctx)
	died := make(chan error, 1)
	go func() { _, err := e.prov.Install(ctx1, req, nil); died <- err }()
	require.Eventually(t, func() bool { return e.calls("SendCommand:Install") == 1 && clock.Sleepers() > 0 }, 10*time.Second, time.Millisecond)
	kill()
	require.ErrorIs(t, <-died, context.Canceled)
	for _, c := range e.front.Calls() {
		if c.Op == "SendCommand" {
			require.Empty(t, c.Error)
			require.InDelta(t, time.Hour.Seconds(), c.TimeoutSeconds, 60, "an instance not reached by the cutoff never starts the install")
		}
	}

	// The cutoff passes; Temporal retries the activity on another worker,
	// which finds the running command and watches it to its end.
	late := req
	late.LastStart = time.Now().Add(-time.Minute)
	done := installAsync(e.worker(), ctx, late)
	require.Eventually(t, func() bool { return e.sinceLast("ListCommands", "ListCommandInvocations") }, 10*time.Second, time.Millisecond)
	r := advanceUntilDone(t, clock, done)
	require.NoError(t, r.err)
	for _, i := range r.res.Instances {
		require.False(t, i.Failed(), "%s: %s", i.InstanceID, i.Error)
		require.NotEmpty(t, i.Changes, i.InstanceID)
	}
	require.Equal(t, 1, e.calls("SendCommand:Install"), "resumed, not sent again")

	// Another call of the same batch, which never sent a command, is
	// refused after the cutoff.
	_, err := e.worker().Install(awsprov.WithCallKey(context.Background(), "retry-1/wave-1/batch-0/install"), late, nil)
	require.ErrorIs(t, err, fleet.ErrWindowClosed)
	require.Equal(t, 1, e.calls("SendCommand:Install"))
	for _, id := range ids {
		require.Equal(t, 1, e.fleet.InstallCount(id), id)
	}
}

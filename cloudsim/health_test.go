package cloudsim_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// byOS returns the first n instance IDs of the OS family.
func byOS(t *testing.T, f *cloudsim.Fleet, windows bool, n int) []string {
	t.Helper()
	var out []string
	for _, in := range f.Instances() {
		if in.OS.IsWindows() == windows && len(out) < n {
			out = append(out, in.ID)
		}
	}
	require.Len(t, out, n)
	return out
}

func TestRunCommandExitCodesOutputsAndScriptsPerOS(t *testing.T) {
	f, clock := virtualFleet(200, 21, cloudsim.Faults{})
	linux, windows := byOS(t, f, false, 3), byOS(t, f, true, 1)
	f.SetCommandResult(linux[1], 3, "nginx: inactive (dead)\n")
	req := fleet.CommandRequest{InstanceIDs: append(linux, windows...), Linux: "systemctl is-active nginx",
		Windows: "Get-Service W3SVC", Timeout: time.Minute}
	start := clock.Now()
	var last int
	res, err := f.RunCommand(context.Background(), req, func(done, total int) { last = done })
	require.NoError(t, err)
	require.Len(t, res, 4)
	assert.Equal(t, 4, last, "progress reaches every instance")
	for i, r := range res {
		assert.Equal(t, req.InstanceIDs[i], r.InstanceID, "results in request order")
		assert.Empty(t, r.Error)
	}
	assert.Equal(t, 0, res[0].ExitCode)
	assert.Equal(t, fleet.CommandResult{InstanceID: linux[1], ExitCode: 3, Output: "nginx: inactive (dead)\n"}, res[1])
	assert.Equal(t, start.Add(cloudsim.DefaultCommandDuration), clock.Now(), "the batch runs in parallel")

	run, ok := f.LastCommand(linux[0])
	require.True(t, ok)
	assert.Equal(t, "systemctl is-active nginx", run.Script)
	run, _ = f.LastCommand(windows[0])
	assert.Equal(t, "Get-Service W3SVC", run.Script)

	f.ClearCommandResults()
	res, err = f.RunCommand(context.Background(), fleet.CommandRequest{InstanceIDs: linux[1:2], Linux: "true"}, nil)
	require.NoError(t, err)
	assert.Equal(t, 0, res[0].ExitCode, "cleared results exit 0 again")
}

func TestRunCommandReportsWhatDidNotRun(t *testing.T) {
	f, clock := virtualFleet(200, 22, cloudsim.Faults{})
	linux, windows := byOS(t, f, false, 4), byOS(t, f, true, 1)
	offline, hung, slow, rebooting := linux[0], linux[1], linux[2], linux[3]
	f.SetFaults(cloudsim.Faults{OfflineInstances: []string{offline}, RebootHangInstances: []string{hung}})
	require.NoError(t, f.Reboot([]string{hung, rebooting}))
	f.SetCommandOutcome(slow, cloudsim.CommandOutcome{ExitCode: 0, Duration: time.Hour})
	start := clock.Now()
	res, err := f.RunCommand(context.Background(), fleet.CommandRequest{
		InstanceIDs: []string{offline, hung, slow, rebooting, windows[0], "i-0000000000nosuch"},
		Linux:       "true", Timeout: 2 * time.Minute,
	}, nil)
	require.NoError(t, err)
	assert.Contains(t, res[0].Error, "command not delivered: ")
	assert.Contains(t, res[0].Error, "not reported for over")
	assert.Contains(t, res[1].Error, "command not delivered: instance not responding since its reboot")
	assert.Equal(t, "command timed out: still running after 2m0s", res[2].Error)
	assert.Empty(t, res[3].Error, "a rebooting instance runs the command once it is back")
	assert.Contains(t, res[4].Error, "no PowerShell script for this WINDOWS instance")
	assert.Contains(t, res[5].Error, "InvalidInstanceId")
	for _, r := range res {
		if r.Error != "" {
			assert.Zero(t, r.ExitCode, r.InstanceID)
		}
	}
	assert.Equal(t, start.Add(2*time.Minute), clock.Now(), "the wait ends at the timeout")
	_, ran := f.LastCommand(offline)
	assert.False(t, ran)
}

func TestRunCommandStopsWhenTheContextEnds(t *testing.T) {
	clock := cloudsim.NewManualClock(t0)
	f := cloudsim.Generate(cloudsim.Config{Seed: 23, Instances: 50, Now: t0, Clock: clock})
	ids := byOS(t, f, false, 2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan []fleet.CommandResult)
	go func() {
		res, err := f.RunCommand(ctx, fleet.CommandRequest{InstanceIDs: ids, Linux: "true"}, nil)
		assert.ErrorIs(t, err, context.Canceled)
		done <- res
	}()
	require.Eventually(t, func() bool { return clock.Sleepers() == 1 }, 5*time.Second, time.Millisecond)
	cancel()
	res := <-done
	require.Len(t, res, 2)
	for _, r := range res {
		assert.Contains(t, r.Error, "command cancelled before it finished")
	}
}

func TestRunCommandIsThrottledLikeOtherCalls(t *testing.T) {
	f, _ := virtualFleet(20, 24, cloudsim.Faults{})
	f.ThrottleNext(1)
	_, err := f.RunCommand(context.Background(), fleet.CommandRequest{InstanceIDs: f.IDs()[:1], Linux: "true"}, nil)
	assert.ErrorIs(t, err, fleet.ErrThrottled)
}

func TestAlarmStatesFollowSetAlarmAndRefuseUnknownAlarms(t *testing.T) {
	f, clock := virtualFleet(10, 25, cloudsim.Faults{})
	ctx := context.Background()
	cw := fleet.Alarm{Cloud: fleet.CloudAWS, Account: "111111111111", Region: "eu-west-1", Name: "shop-5xx-rate"}
	rule := "/subscriptions/5f0c2a7e-1b3d-4c8e-9a61-2d4e6f8a0b1c/resourceGroups/rg-mon/providers/Microsoft.Insights/metricAlerts/cpu-high"
	az := fleet.Alarm{Cloud: fleet.CloudAzure, Name: rule}

	_, err := f.AlarmStates(ctx, []fleet.Alarm{cw})
	require.ErrorIs(t, err, fleet.ErrPermanent)
	assert.Contains(t, err.Error(), `CloudWatch alarm "shop-5xx-rate" not found in account 111111111111 region eu-west-1`)

	f.SetAlarm(fleet.CloudAWS, cw.Account, cw.Region, cw.Name, false, "Threshold Crossed: 0 datapoints were not greater than 5")
	f.SetAlarm(fleet.CloudAzure, "", "", rule, false, "")
	states, err := f.AlarmStates(ctx, []fleet.Alarm{cw, az})
	require.NoError(t, err)
	assert.Equal(t, fleet.AlarmState{Alarm: cw, State: "OK", Reason: "Threshold Crossed: 0 datapoints were not greater than 5"}, states[0])
	assert.Equal(t, fleet.AlarmState{Alarm: az, State: "Resolved"}, states[1])

	clock.Advance(time.Minute)
	f.SetAlarm(fleet.CloudAWS, cw.Account, cw.Region, cw.Name, true, "Threshold Crossed: 3 datapoints were greater than 5")
	f.SetAlarm(fleet.CloudAzure, "", "", rule, true, "CPU above 90%")
	upper := fleet.Alarm{Cloud: fleet.CloudAzure, Name: "/SUBSCRIPTIONS/5f0c2a7e-1b3d-4c8e-9a61-2d4e6f8a0b1c/resourcegroups/RG-MON/providers/microsoft.insights/metricalerts/CPU-HIGH"}
	states, err = f.AlarmStates(ctx, []fleet.Alarm{cw, upper})
	require.NoError(t, err)
	assert.True(t, states[0].Firing)
	assert.Equal(t, "ALARM", states[0].State)
	assert.Equal(t, fleet.AlarmState{Alarm: upper, Firing: true, State: "Fired", Reason: "CPU above 90%"}, states[1], "rule IDs match without case")
	a, ok := f.Alarm(fleet.CloudAWS, cw.Account, cw.Region, cw.Name)
	require.True(t, ok)
	assert.Equal(t, clock.Now(), a.Changed)

	_, err = f.AlarmStates(ctx, []fleet.Alarm{{Cloud: fleet.CloudAWS, Account: cw.Account, Region: "us-east-1", Name: cw.Name}})
	assert.ErrorIs(t, err, fleet.ErrPermanent, "an alarm lives in one account and region")
	f.RemoveAlarm(fleet.CloudAzure, "", "", rule)
	_, err = f.AlarmStates(ctx, []fleet.Alarm{az})
	assert.ErrorContains(t, err, "Azure Monitor alert rule "+rule+" not found")
	assert.Len(t, f.Alarms(), 1)
}

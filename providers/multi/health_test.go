package multi_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/multi"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

// plain hides a provider's health-gate methods.
type plain struct{ fleet.Provider }

func healthFleet() *cloudsim.Fleet {
	t0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	return cloudsim.Generate(cloudsim.Config{Seed: 5, Instances: 60, Now: t0, Clock: cloudsim.NewVirtualClock(t0)})
}

func firstOf(f *cloudsim.Fleet, c fleet.Cloud, n int) []string {
	var out []string
	for _, in := range f.Instances() {
		if in.Cloud == c && !in.OS.IsWindows() && len(out) < n {
			out = append(out, in.ID)
		}
	}
	return out
}

func TestRunCommandRoutesByCloudAndKeepsOrder(t *testing.T) {
	f := healthFleet()
	aws, az := sim.New(f), sim.New(f)
	p := multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: aws, fleet.CloudAzure: az})
	a, z := firstOf(f, fleet.CloudAWS, 2), firstOf(f, fleet.CloudAzure, 2)
	f.SetCommandResult(a[1], 3, "aws down")
	f.SetCommandResult(z[0], 4, "azure down")
	ids := []string{z[0], a[0], "gce-1", z[1], a[1]}
	var most atomic.Int64
	res, err := p.RunCommand(context.Background(), fleet.CommandRequest{InstanceIDs: ids, Linux: "true", Timeout: time.Minute},
		func(done, total int) {
			for m := most.Load(); int64(done) > m && !most.CompareAndSwap(m, int64(done)); m = most.Load() {
			}
			assert.Equal(t, 5, total)
		})
	require.NoError(t, err)
	require.Len(t, res, 5)
	assert.Equal(t, fleet.CommandResult{InstanceID: z[0], ExitCode: 4, Output: "azure down"}, res[0])
	assert.Equal(t, fleet.CommandResult{InstanceID: a[0]}, res[1])
	assert.Equal(t, "gce-1", res[2].InstanceID)
	assert.Contains(t, res[2].Error, "no provider for instance gce-1")
	assert.Equal(t, fleet.CommandResult{InstanceID: z[1]}, res[3])
	assert.Equal(t, fleet.CommandResult{InstanceID: a[1], ExitCode: 3, Output: "aws down"}, res[4])
	assert.EqualValues(t, 4, most.Load(), "progress counts the routed instances")
	assert.Equal(t, []sim.Call{{Op: sim.OpRunCommand, Instances: 2}}, aws.Calls())
	assert.Equal(t, []sim.Call{{Op: sim.OpRunCommand, Instances: 2}}, az.Calls())
}

func TestRunCommandOfACloudWithoutHealthProberFails(t *testing.T) {
	f := healthFleet()
	p := multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: sim.New(f), fleet.CloudAzure: plain{sim.New(f)}})
	a, z := firstOf(f, fleet.CloudAWS, 1), firstOf(f, fleet.CloudAzure, 1)
	_, err := p.RunCommand(context.Background(), fleet.CommandRequest{InstanceIDs: append(a, z...), Linux: "true"}, nil)
	require.ErrorIs(t, err, fleet.ErrPermanent)
	assert.Contains(t, err.Error(), "the azure provider cannot run health-check commands")

	res, err := p.RunCommand(context.Background(), fleet.CommandRequest{InstanceIDs: a, Linux: "true"}, nil)
	require.NoError(t, err, "a batch of the other cloud still runs")
	assert.Equal(t, fleet.CommandResult{InstanceID: a[0]}, res[0])
}

func TestAlarmStatesRouteByCloud(t *testing.T) {
	f := healthFleet()
	aws, az := sim.New(f), sim.New(f)
	p := multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: aws, fleet.CloudAzure: az})
	rule := "/subscriptions/5f0c2a7e-1b3d-4c8e-9a61-2d4e6f8a0b1c/resourceGroups/rg/providers/Microsoft.Insights/metricAlerts/cpu"
	cw := fleet.Alarm{Cloud: fleet.CloudAWS, Account: "111111111111", Region: "eu-west-1", Name: "5xx"}
	f.SetAlarm(fleet.CloudAzure, "", "", rule, true, "CPU high")
	f.SetAlarm(cw.Cloud, cw.Account, cw.Region, cw.Name, false, "")
	alarms := []fleet.Alarm{{Cloud: fleet.CloudAzure, Name: rule}, cw}
	st, err := p.AlarmStates(context.Background(), alarms)
	require.NoError(t, err)
	assert.Equal(t, fleet.AlarmState{Alarm: alarms[0], Firing: true, State: "Fired", Reason: "CPU high"}, st[0])
	assert.Equal(t, fleet.AlarmState{Alarm: cw, State: "OK"}, st[1])
	assert.Equal(t, []sim.Call{{Op: sim.OpAlarmStates}}, aws.Calls())
	assert.Equal(t, []sim.Call{{Op: sim.OpAlarmStates}}, az.Calls())

	_, err = p.AlarmStates(context.Background(), []fleet.Alarm{{Cloud: "gcp", Name: "x"}})
	require.ErrorIs(t, err, fleet.ErrPermanent)
	assert.Contains(t, err.Error(), `no provider for cloud "gcp"`)
	onlyAWS := multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: plain{sim.New(f)}})
	_, err = onlyAWS.AlarmStates(context.Background(), []fleet.Alarm{cw})
	require.ErrorIs(t, err, fleet.ErrPermanent)
	assert.Contains(t, err.Error(), "the aws provider cannot read cloud alarms")
}

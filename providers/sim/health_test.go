package sim_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

func TestRunCommandThroughTheProvider(t *testing.T) {
	p := newProvider(120, 31)
	ctx := context.Background()
	var linux []string
	for _, in := range p.Fleet().Instances() {
		if !in.OS.IsWindows() && len(linux) < 3 {
			linux = append(linux, in.ID)
		}
	}
	p.Fleet().SetCommandResult(linux[1], 3, "disk 97% full")
	p.Fleet().SetFaults(cloudsim.Faults{OfflineInstances: linux[2:3]})
	res, err := p.RunCommand(ctx, fleet.CommandRequest{InstanceIDs: linux, Linux: "df -h /", Timeout: time.Minute}, nil)
	require.NoError(t, err)
	assert.Equal(t, fleet.CommandResult{InstanceID: linux[0]}, res[0])
	assert.Equal(t, fleet.CommandResult{InstanceID: linux[1], ExitCode: 3, Output: "disk 97% full"}, res[1])
	assert.Contains(t, res[2].Error, "not delivered")

	_, err = p.RunCommand(ctx, fleet.CommandRequest{InstanceIDs: p.Fleet().IDs()[:fleet.MaxBatch+1], Linux: "true"}, nil)
	assert.ErrorIs(t, err, fleet.ErrTooManyInstances)
	calls := p.Calls()
	require.Len(t, calls, 2)
	assert.Equal(t, sim.Call{Op: sim.OpRunCommand, Instances: 3}, calls[0])
	assert.Equal(t, sim.OpRunCommand, calls[1].Op)
	assert.NotEmpty(t, calls[1].Err)
}

func TestAlarmStatesThroughTheProvider(t *testing.T) {
	p := newProvider(10, 32)
	ctx := context.Background()
	a := fleet.Alarm{Cloud: fleet.CloudAWS, Account: "111111111111", Region: "eu-west-1", Name: "shop-5xx-rate"}
	_, err := p.AlarmStates(ctx, []fleet.Alarm{a})
	require.ErrorIs(t, err, fleet.ErrPermanent, "a missing alarm is not healthy")

	p.Fleet().SetAlarm(a.Cloud, a.Account, a.Region, a.Name, false, "")
	st, err := p.AlarmStates(ctx, []fleet.Alarm{a})
	require.NoError(t, err)
	assert.False(t, st[0].Firing)
	assert.Equal(t, "OK", st[0].State)

	p.Fleet().SetAlarm(a.Cloud, a.Account, a.Region, a.Name, true, "Threshold Crossed")
	st, err = p.AlarmStates(ctx, []fleet.Alarm{a})
	require.NoError(t, err)
	assert.Equal(t, fleet.AlarmState{Alarm: a, Firing: true, State: "ALARM", Reason: "Threshold Crossed"}, st[0])
	assert.Equal(t, sim.OpAlarmStates, p.Calls()[2].Op)
}

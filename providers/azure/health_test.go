package azure_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestRunCommandOnVMsThroughTheRunCommandAction(t *testing.T) {
	e := newEnv(t, 60, azurefront.Options{}, nil)
	ubuntu, windows := e.azureIDs(fleet.OSUbuntu), e.azureIDs(fleet.OSWindows)
	require.GreaterOrEqual(t, len(ubuntu), 3)
	require.NotEmpty(t, windows)
	ok, failing, offline, win := ubuntu[0], ubuntu[1], ubuntu[2], windows[0]
	e.fleet.SetCommandResult(failing, 3, "nginx: inactive")
	e.fleet.SetCommandResult(win, 2, "W3SVC Stopped")
	e.fleet.SetFaults(cloudsim.Faults{OfflineInstances: []string{offline}})
	linux := "systemctl is-active nginx\ncurl -fsS 'http://localhost/healthz'"
	ps := "if ((Get-Service W3SVC).Status -ne 'Running') { exit 2 }"
	ids := []string{ok, failing, offline, win}
	var beats atomic.Int64
	res, err := e.prov.RunCommand(t.Context(), fleet.CommandRequest{InstanceIDs: ids, Linux: linux, Windows: ps, Timeout: 2 * time.Minute},
		func(done, total int) { beats.Add(1) })
	require.NoError(t, err)
	require.Len(t, res, 4)
	assert.Equal(t, fleet.CommandResult{InstanceID: ok}, res[0])
	assert.Equal(t, fleet.CommandResult{InstanceID: failing, ExitCode: 3, Output: "nginx: inactive"}, res[1], "the exit code comes back through the output")
	assert.Contains(t, res[2].Error, "command not delivered")
	assert.Contains(t, res[2].Error, "VMAgentStatusCommunicationError")
	assert.Equal(t, fleet.CommandResult{InstanceID: win, ExitCode: 2, Output: "W3SVC Stopped"}, res[3])
	assert.Positive(t, beats.Load())

	run, found := e.fleet.LastCommand(ok)
	require.True(t, found)
	assert.Equal(t, linux, run.Script, "the wrapper carries the script unchanged")
	run, _ = e.fleet.LastCommand(win)
	assert.Equal(t, ps, run.Script)
	n := 0
	for _, c := range e.front.Calls() {
		if c.Op == "runCommand" && c.Method == "POST" {
			n++
		}
	}
	assert.Equal(t, 4, n, "one runCommand per VM")
}

func TestRunCommandDeallocatedMissingScriptAndDenied(t *testing.T) {
	e := newEnv(t, 60, azurefront.Options{}, nil)
	ubuntu, windows := e.azureIDs(fleet.OSUbuntu), e.azureIDs(fleet.OSWindows)
	e.front.Deallocate(ubuntu[0], true)
	res, err := e.prov.RunCommand(t.Context(), fleet.CommandRequest{InstanceIDs: []string{ubuntu[0], windows[0], "not-an-id"}, Linux: "true", Timeout: time.Minute}, nil)
	require.NoError(t, err)
	assert.Contains(t, res[0].Error, "command not delivered")
	assert.Contains(t, res[0].Error, "deallocated")
	assert.Contains(t, res[1].Error, "no PowerShell script")
	assert.Contains(t, res[2].Error, "not an Azure resource ID")

	in, _ := e.fleet.Instance(ubuntu[1])
	e.front.DenyAction(in.Account, "Microsoft.Compute/virtualMachines/runCommand/action", "no role assignment grants it")
	_, err = e.prov.RunCommand(t.Context(), fleet.CommandRequest{InstanceIDs: ubuntu[1:2], Linux: "true", Timeout: time.Minute}, nil)
	require.ErrorIs(t, err, fleet.ErrPermanent)
	assert.Contains(t, err.Error(), "Microsoft.Compute/virtualMachines/runCommand/action")
}

func TestRunCommandOnArcMachinesThroughMachineRunCommands(t *testing.T) {
	e := newArcEnv(t, azurefront.Options{}, nil)
	ubuntu, windows := e.ids[0], e.ids[1]
	e.fleet.SetCommandResult(e.arc[ubuntu], 4, "disk full")
	e.fleet.SetCommandOutcome(e.arc[windows], cloudsim.CommandOutcome{Duration: time.Hour})
	res, err := e.prov.RunCommand(t.Context(), fleet.CommandRequest{InstanceIDs: e.ids, Linux: "df -h /", Windows: "Get-PSDrive C", Timeout: time.Minute}, nil)
	require.NoError(t, err)
	assert.Equal(t, fleet.CommandResult{InstanceID: ubuntu, ExitCode: 4, Output: "disk full"}, res[0])
	assert.Contains(t, res[1].Error, "command timed out")
	run, _ := e.fleet.LastCommand(e.arc[ubuntu])
	assert.Equal(t, "df -h /", run.Script, "Arc run commands take the script itself")
	require.Eventually(t, func() bool { return e.front.RunCommands() == 0 }, 5*time.Second, 10*time.Millisecond)
}

func TestAlarmStatesThroughTheAlertsManagementAPI(t *testing.T) {
	e := newEnv(t, 20, azurefront.Options{}, nil)
	ctx := context.Background()
	sub := cloudsim.DefaultAzureSubscriptions[0]
	rule := "/subscriptions/" + sub + "/resourceGroups/rg-monitor/providers/Microsoft.Insights/metricAlerts/shop-cpu-high"
	other := "/subscriptions/" + sub + "/resourceGroups/rg-monitor/providers/Microsoft.Insights/metricAlerts/other"
	gate := fleet.Alarm{Cloud: fleet.CloudAzure, Name: rule}

	_, err := e.prov.AlarmStates(ctx, []fleet.Alarm{gate})
	require.ErrorIs(t, err, fleet.ErrPermanent, "a missing rule is an error, not a healthy gate")
	assert.Contains(t, err.Error(), "ResourceNotFound")
	assert.Contains(t, err.Error(), "shop-cpu-high")

	e.fleet.SetAlarm(fleet.CloudAzure, "", "", rule, false, "")
	e.fleet.SetAlarm(fleet.CloudAzure, "", "", other, true, "another rule fires")
	st, err := e.prov.AlarmStates(ctx, []fleet.Alarm{gate})
	require.NoError(t, err)
	assert.Equal(t, fleet.AlarmState{Alarm: gate, State: "Resolved"}, st[0], "only the rule's own alerts count")

	e.fleet.SetAlarm(fleet.CloudAzure, "", "", rule, true, "CPU above 90% for 5 minutes")
	st, err = e.prov.AlarmStates(ctx, []fleet.Alarm{gate})
	require.NoError(t, err)
	assert.True(t, st[0].Firing)
	assert.Equal(t, "Fired", st[0].State)
	assert.Contains(t, st[0].Reason, "CPU above 90% for 5 minutes")

	// A rule fired two days ago still fires: the provider asks for 30 days.
	e.fleet.Clock().(*cloudsim.VirtualClock).Advance(48 * time.Hour)
	st, err = e.prov.AlarmStates(ctx, []fleet.Alarm{gate})
	require.NoError(t, err)
	assert.True(t, st[0].Firing)

	var alerts int
	for _, c := range e.front.Calls() {
		if c.Op == "alerts" {
			alerts++
			assert.Contains(t, c.Path, "/providers/Microsoft.AlertsManagement/alerts")
		}
	}
	assert.Equal(t, 3, alerts, "one Alerts API read per check of an existing rule")

	_, err = e.prov.AlarmStates(ctx, []fleet.Alarm{{Cloud: fleet.CloudAzure, Name: "/subscriptions/" + sub + "/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1"}})
	assert.ErrorIs(t, err, fleet.ErrPermanent)
	e.front.DenyAction(sub, "Microsoft.AlertsManagement/alerts/read", "no role assignment grants it")
	_, err = e.prov.AlarmStates(ctx, []fleet.Alarm{gate})
	require.ErrorIs(t, err, fleet.ErrPermanent)
	assert.Contains(t, err.Error(), "denied permission Microsoft.AlertsManagement/alerts/read")
}

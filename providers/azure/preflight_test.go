package azure_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// checksOf returns check -> blocks of a result.
func checksOf(p fleet.Preflight) map[string]bool {
	out := map[string]bool{}
	for _, f := range p.Findings {
		out[f.Check] = f.Blocks
	}
	return out
}

// detailOf returns the detail of a result's finding of a check.
func detailOf(p fleet.Preflight, check string) string {
	for _, f := range p.Findings {
		if f.Check == check {
			return f.Detail
		}
	}
	return ""
}

func TestPreflightReadsPowerAgentAndPatchModeFromTheVM(t *testing.T) {
	e := newEnv(t, 60, azurefront.Options{}, nil)
	linux, windows := e.azureIDs(fleet.OSUbuntu), e.azureIDs(fleet.OSWindows)
	require.GreaterOrEqual(t, len(linux), 6)
	require.GreaterOrEqual(t, len(windows), 2)
	e.fleet.SetFaults(cloudsim.Faults{OfflineInstances: []string{linux[1]}})
	e.fleet.SetDrift(linux[2], cloudsim.Drift{Stopped: true})
	e.front.Deallocate(linux[3], true)
	e.fleet.SetDrift(linux[4], cloudsim.Drift{PatchMode: cloudsim.PatchModeImageDefault, AgentVersion: "2.9.1.1"})
	e.fleet.SetDrift(linux[5], cloudsim.Drift{PatchMode: cloudsim.PatchModeAutomaticByPlatform, NoBypass: true})
	e.fleet.SetDrift(windows[1], cloudsim.Drift{PatchMode: cloudsim.PatchModeAutomaticByOS})
	gone := strings.Replace(linux[0], "/virtualMachines/", "/virtualMachines/gone-", 1)

	ids := []string{linux[0], linux[1], linux[2], linux[3], linux[4], linux[5], windows[0], windows[1], gone, "not-a-resource-id"}
	res, err := e.prov.Preflight(t.Context(), ids)
	require.NoError(t, err)
	require.Len(t, res, len(ids))
	want := []map[string]bool{
		{},
		{fleet.DriftVMAgent: true},
		{fleet.DriftStopped: true},
		{fleet.DriftStopped: true},
		{fleet.DriftPatchMode: false},
		{fleet.DriftPatchMode: false},
		{},
		{fleet.DriftPatchMode: false},
		{fleet.DriftUnknownInstance: true},
		{fleet.DriftUnknownInstance: true},
	}
	for i, w := range want {
		assert.Equal(t, ids[i], res[i].InstanceID, "in the request's order")
		assert.Equal(t, w, checksOf(res[i]), "%d %s: %+v", i, ids[i], res[i].Findings)
	}
	assert.Equal(t, cloudsim.DefaultVMAgentVersion, res[0].AgentVersion, "instanceView.vmAgent.vmAgentVersion")
	assert.Equal(t, "AutomaticByPlatform", res[0].PatchMode, "linuxConfiguration.patchSettings")
	assert.Equal(t, "AutomaticByPlatform", res[6].PatchMode, "windowsConfiguration.patchSettings")
	assert.Equal(t, "ImageDefault", res[4].PatchMode)
	assert.Equal(t, "2.9.1.1", res[4].AgentVersion)
	assert.Equal(t, "AutomaticByOS", res[7].PatchMode)
	assert.Contains(t, detailOf(res[1], fleet.DriftVMAgent), "Not Ready")
	assert.Contains(t, detailOf(res[2], fleet.DriftStopped), "PowerState/deallocated")
	assert.Contains(t, detailOf(res[4], fleet.DriftPatchMode), "installPatches still works")
	assert.Contains(t, detailOf(res[5], fleet.DriftPatchMode), "bypassPlatformSafetyChecksOnUserSchedule")
	assert.Contains(t, detailOf(res[8], fleet.DriftUnknownInstance), "ResourceNotFound")
	assert.False(t, res[4].Blocked(), "a patch mode is a warning: installPatches works in every mode")

	// One VM GET with $expand=instanceView per VM, nothing else.
	gets := 0
	for _, c := range e.front.Calls() {
		if c.Method == "GET" && strings.Contains(c.Path, "/virtualMachines/") {
			gets++
		}
	}
	assert.Equal(t, 9, gets)
}

func TestDriftStoppedVMIsDeallocatedForTheOtherCalls(t *testing.T) {
	e := newEnv(t, 40, azurefront.Options{}, nil)
	id := e.needy(fleet.OSUbuntu)[0]
	e.fleet.SetDrift(id, cloudsim.Drift{Stopped: true})
	ready, err := e.prov.WaitReady(t.Context(), []string{id}, nil)
	require.NoError(t, err)
	assert.False(t, ready[0].Ready, "a stopped VM is not running")
	assert.Contains(t, ready[0].Error, "PowerState/deallocated")
	scan, err := e.prov.Scan(t.Context(), []string{id}, nil)
	require.NoError(t, err)
	assert.Contains(t, scan.Instances[0].Error, "deallocated", "assessPatches is refused as on a deallocated VM")
}

func TestPreflightArcMachinesReportTheirAgent(t *testing.T) {
	e := newArcEnv(t, azurefront.Options{}, nil)
	e.fleet.SetDrift(e.arc[e.ids[1]], cloudsim.Drift{Stopped: true, PatchMode: cloudsim.PatchModeManual})
	res, err := e.prov.Preflight(t.Context(), e.ids)
	require.NoError(t, err)
	assert.Empty(t, res[0].Findings, "Connected, and Arc machines have no patch mode to check")
	assert.Equal(t, cloudsim.DefaultArcAgentVersion, res[0].AgentVersion)
	assert.Empty(t, res[0].PatchMode)
	assert.Equal(t, map[string]bool{fleet.DriftAgentOffline: true}, checksOf(res[1]))
	assert.Contains(t, detailOf(res[1], fleet.DriftAgentOffline), "Disconnected")
}

func TestPreflightDeniedReadFailsTheCall(t *testing.T) {
	e := newEnv(t, 40, azurefront.Options{}, nil)
	id := e.azureIDs(fleet.OSUbuntu)[0]
	in, _ := e.fleet.Instance(id)
	e.front.DenyAction(in.Account, "Microsoft.Compute/virtualMachines/read", "no role assignment")
	_, err := e.prov.Preflight(t.Context(), []string{id})
	require.ErrorIs(t, err, fleet.ErrPermanent)
	assert.Contains(t, err.Error(), "Microsoft.Compute/virtualMachines/read")

	_, err = e.prov.Preflight(t.Context(), make([]string, fleet.MaxBatch+1))
	assert.ErrorIs(t, err, fleet.ErrTooManyInstances)
}

package azure

import (
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// vmFindings checks a VM's model with its instanceView
// (https://learn.microsoft.com/rest/api/compute/virtual-machines/get):
//
//   - a power state (instanceView.statuses PowerState/...) other than
//     running or starting: instance-stopped (blocks: Azure refuses
//     installPatches on a deallocated VM);
//   - otherwise the VM agent (instanceView.vmAgent.statuses) not Ready:
//     azure-vm-agent (blocks: installPatches runs through the agent's
//     patch extension); its vmAgentVersion is the AgentVersion;
//   - patchSettings.patchMode not AutomaticByPlatform, or
//     AutomaticByPlatform without
//     automaticByPlatformSettings.bypassPlatformSafetyChecksOnUserSchedule:
//     azure-patch-mode, a warning (see patchModeFinding).
func vmFindings(res fleet.Preflight, vm armcompute.VirtualMachine) fleet.Preflight {
	var view *armcompute.VirtualMachineInstanceView
	var mode string
	var bypass *bool
	if pr := vm.Properties; pr != nil {
		view = pr.InstanceView
		mode, bypass = patchSettingsOf(pr.OSProfile)
	}
	res.PatchMode = mode
	var agent *armcompute.VirtualMachineAgentInstanceView
	power := ""
	if view != nil {
		agent = view.VMAgent
		for _, s := range view.Statuses {
			if c := deref(s.Code); strings.HasPrefix(c, "PowerState/") {
				power = strings.TrimPrefix(c, "PowerState/")
			}
		}
	}
	if agent != nil {
		res.AgentVersion = deref(agent.VMAgentVersion)
	}
	switch {
	case view == nil:
		res = addFinding(res, fleet.DriftVMAgent, true, "the VM's instanceView is missing: power state and VM agent unknown")
	case power != "" && power != "running" && power != "starting":
		res = addFinding(res, fleet.DriftStopped, true, "VM power state is PowerState/"+power+": start it before the window")
	case agent == nil || len(agent.Statuses) == 0:
		res = addFinding(res, fleet.DriftVMAgent, true, "VM agent status is unknown: the instanceView has no vmAgent")
	case deref(agent.Statuses[0].DisplayStatus) != "Ready":
		why := "VM agent status is " + firstNonEmpty(deref(agent.Statuses[0].DisplayStatus), "unknown")
		if msg := deref(agent.Statuses[0].Message); msg != "" {
			why += ": " + msg
		}
		res = addFinding(res, fleet.DriftVMAgent, true, why)
	}
	return patchModeFinding(res, mode, bypass)
}

// patchSettingsOf reads osProfile's linuxConfiguration or
// windowsConfiguration patchSettings: the patchMode ("" when not set) and
// bypassPlatformSafetyChecksOnUserSchedule (nil when not set).
func patchSettingsOf(os *armcompute.OSProfile) (mode string, bypass *bool) {
	switch {
	case os == nil:
	case os.LinuxConfiguration != nil && os.LinuxConfiguration.PatchSettings != nil:
		ps := os.LinuxConfiguration.PatchSettings
		if ps.PatchMode != nil {
			mode = string(*ps.PatchMode)
		}
		if ps.AutomaticByPlatformSettings != nil {
			bypass = ps.AutomaticByPlatformSettings.BypassPlatformSafetyChecksOnUserSchedule
		}
	case os.WindowsConfiguration != nil && os.WindowsConfiguration.PatchSettings != nil:
		ps := os.WindowsConfiguration.PatchSettings
		if ps.PatchMode != nil {
			mode = string(*ps.PatchMode)
		}
		if ps.AutomaticByPlatformSettings != nil {
			bypass = ps.AutomaticByPlatformSettings.BypassPlatformSafetyChecksOnUserSchedule
		}
	}
	return mode, bypass
}

// patchModeFinding warns about a patch mode other than Customer Managed
// Schedules (AutomaticByPlatform with bypassPlatformSafetyChecksOnUserSchedule).
// Azure Update Manager's scheduled patching needs that mode
// (https://learn.microsoft.com/azure/update-manager/scheduled-patching,
// "Prerequisites for scheduled patching"). The provider does not use
// schedules: it installs with installPatches, a one-time update, for which
// the docs state no patch-mode prerequisite (our emulator takes it in
// every mode, ImageDefault and Manual included). So the install still
// works and this is a warning, not a block. What it warns about is who
// else patches the VM: in AutomaticByPlatform without the flag (and no
// maintenance configuration) Azure's automatic guest patching installs
// Critical and Security updates on its own schedule, and AutomaticByOS
// lets Windows Update install on its own, outside our windows and
// approvals
// (https://learn.microsoft.com/azure/update-manager/updates-maintenance-schedules);
// ImageDefault and Manual leave the VM to whoever patches it, and no
// Update Manager schedule can.
func patchModeFinding(res fleet.Preflight, mode string, bypass *bool) fleet.Preflight {
	switch {
	case mode == string(armcompute.LinuxVMGuestPatchModeAutomaticByPlatform) && (bypass == nil || !*bypass):
		return addFinding(res, fleet.DriftPatchMode, false, "patchMode AutomaticByPlatform without bypassPlatformSafetyChecksOnUserSchedule: "+
			"Azure's automatic guest patching installs updates on its own schedule, outside our windows and approvals; "+
			"set patch orchestration to Customer Managed Schedules")
	case mode == string(armcompute.LinuxVMGuestPatchModeAutomaticByPlatform):
		return res
	case mode == string(armcompute.WindowsVMGuestPatchModeAutomaticByOS):
		return addFinding(res, fleet.DriftPatchMode, false, "patchMode AutomaticByOS: Windows Update installs updates on its own, "+
			"outside our windows and approvals; set patch orchestration to Customer Managed Schedules")
	default:
		return addFinding(res, fleet.DriftPatchMode, false, "patchMode "+firstNonEmpty(mode, "not set")+
			": installPatches still works, but Update Manager's scheduled patching needs Customer Managed Schedules "+
			"(AutomaticByPlatform with bypassPlatformSafetyChecksOnUserSchedule)")
	}
}

// arcFindings checks an Arc machine: status other than Connected is
// agent-offline (blocks: the Connected Machine agent runs the patch
// extension); its agentVersion is the AgentVersion. Arc machines have no
// patch mode to check: scheduled patching does not require one there.
func arcFindings(res fleet.Preflight, a arcAgent) fleet.Preflight {
	res.AgentVersion = a.AgentVersion
	if !strings.EqualFold(a.Status, "Connected") {
		res = addFinding(res, fleet.DriftAgentOffline, true, "Arc agent status is "+firstNonEmpty(a.Status, "unknown")+
			": the machine cannot receive installPatches")
	}
	return res
}

// addFinding appends a finding.
func addFinding(p fleet.Preflight, check string, blocks bool, detail string) fleet.Preflight {
	p.Findings = append(p.Findings, fleet.DriftFinding{Check: check, Detail: detail, Blocks: blocks})
	return p
}

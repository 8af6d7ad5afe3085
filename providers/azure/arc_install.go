package azure

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// arcInstallResult is what the provider reads of a MachineInstallPatchesResult.
type arcInstallResult struct {
	Status                    string     `json:"status"`
	InstallationActivityID    string     `json:"installationActivityId"`
	RebootStatus              string     `json:"rebootStatus"`
	MaintenanceWindowExceeded bool       `json:"maintenanceWindowExceeded"`
	Installed                 int        `json:"installedPatchCount"`
	Failed                    int        `json:"failedPatchCount"`
	Pending                   int        `json:"pendingPatchCount"`
	NotSelected               int        `json:"notSelectedPatchCount"`
	Excluded                  int        `json:"excludedPatchCount"`
	StartDateTime             *time.Time `json:"startDateTime"`
	ErrorDetails              *arcError  `json:"errorDetails"`
}

// arcInstall is an Arc install's result with its per-patch rows, if
// Resource Graph showed them.
type arcInstall struct {
	result  arcInstallResult
	patches []row
	detail  bool
}

// installArc installs on an Arc machine: POST .../installPatches with the
// same body as a VM's (MachineInstallPatchesParameters has the same
// maximumDuration, rebootSetting, linuxParameters.packageNameMasksToInclude
// and windowsParameters.kbNumbersToInclude), resumed like a VM's install,
// then the per-patch installationState from Resource Graph
// patchinstallationresources (see arc_graph.go).
func (p *Provider) installArc(ctx context.Context, req fleet.InstallRequest, out fleet.InstanceInstall, patches []fleet.Patch, m machine, key string,
	params, report armcompute.VirtualMachineInstallPatchesParameters, beat func()) (fleet.InstanceInstall, error) {
	in, err := resumable(ctx, p.cfg.Resume, key, guardStart(req, func(token string) (*runtime.Poller[arcInstallResult], error) {
		if token != "" {
			return runtime.NewPollerFromResumeToken[arcInstallResult](token, p.arc.Pipeline(), nil)
		}
		return arcBegin[arcInstallResult](ctx, p, http.MethodPost, m.ID+"/installPatches", params)
	}), func(r arcInstallResult) (arcInstall, error) { return p.installRows(ctx, m, r, beat) }, p.cfg.PollInterval, beat)
	if err != nil {
		return out, err
	}
	if !in.detail {
		return in.result.unknownOutcome(out, patches, p.cfg.GraphWait), nil
	}
	return installOutcome(out, patches, in.result.vmResult(in.patches), report), nil
}

// installRows reads the install's rows from Resource Graph: its summary
// and one softwarepatches row per patch the counts account for.
func (p *Provider) installRows(ctx context.Context, m machine, r arcInstallResult, beat func()) (arcInstall, error) {
	if r.InstallationActivityID == "" {
		return arcInstall{result: r}, nil
	}
	want := r.Installed + r.Failed + r.Pending + r.NotSelected + r.Excluded
	_, rows, ok, err := p.patchRows(ctx, m, patchQuery(installationTable, m.ID+"/patchInstallationResults/"+r.InstallationActivityID),
		func(summary row, patches []row) bool { return summary != nil && len(patches) >= want }, beat)
	return arcInstall{result: r, patches: rows, detail: ok}, err
}

// vmResult puts the Arc result and its rows in the VM result's shape, so
// that installOutcome maps both alike.
func (r arcInstallResult) vmResult(rows []row) armcompute.VirtualMachineInstallPatchesResult {
	out := armcompute.VirtualMachineInstallPatchesResult{
		Status:                    to.Ptr(armcompute.PatchOperationStatus(r.Status)),
		RebootStatus:              to.Ptr(armcompute.VMGuestPatchRebootStatus(r.RebootStatus)),
		MaintenanceWindowExceeded: to.Ptr(r.MaintenanceWindowExceeded),
	}
	if e := r.ErrorDetails; e != nil {
		out.Error = &armcompute.APIError{Code: to.Ptr(e.Code), Message: to.Ptr(e.Message)}
		for _, d := range e.Details {
			out.Error.Details = append(out.Error.Details, &armcompute.APIErrorBase{Code: to.Ptr(d.Code), Message: to.Ptr(d.Message)})
		}
	}
	for _, row := range rows {
		a := row.azurePatch()
		d := &armcompute.PatchInstallationDetail{Name: to.Ptr(a.Name), Version: to.Ptr(a.Version), KbID: to.Ptr(a.KB),
			InstallationState: to.Ptr(armcompute.PatchInstallationState(row.propStr("installationState")))}
		for _, c := range a.Classifications {
			d.Classifications = append(d.Classifications, to.Ptr(c))
		}
		out.Patches = append(out.Patches, d)
	}
	return out
}

// unknownOutcome reports an install whose per-patch results Resource Graph
// did not show: the operation's counts, and no patch claimed installed.
func (r arcInstallResult) unknownOutcome(out fleet.InstanceInstall, patches []fleet.Patch, waited time.Duration) fleet.InstanceInstall {
	out.Error = fmt.Sprintf("installPatches ended with status %s (installed %d, failed %d, pending %d; rebootStatus %s), "+
		"but Resource Graph %s did not show installation %q per patch within %s: per-patch states are not available",
		r.Status, r.Installed, r.Failed, r.Pending, r.RebootStatus, installationTable, r.InstallationActivityID, waited)
	switch r.RebootStatus {
	case "Started", "Completed", "Failed":
		out.Rebooted, out.RebootRequired = true, true
	case "Required":
		out.RebootRequired = true
	}
	for _, pt := range patches {
		out.Changes = append(out.Changes, fleet.PackageChange{PatchID: pt.ID, Name: pt.Name, State: fleet.StateFailed,
			Error: "installation state unknown: no per-patch result in Resource Graph"})
	}
	return out
}

package azure

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Bounds of installPatches' maximumDuration: Update Manager's one-time
// install runs at most 4 hours (PT4H, the documented example of
// https://learn.microsoft.com/rest/api/compute/virtual-machines/install-patches);
// the provider does not start an install with less than MinDuration left.
const (
	MaxDuration = 4 * time.Hour
	MinDuration = 5 * time.Minute
)

// Install runs installPatches on every machine of the request (in
// parallel, bounded per subscription) with exactly the requested patches.
// A machine whose install of this cycle is still running from an earlier
// attempt is resumed, not installed again (see ResumeStore).
//
// The window: a new installPatches starts only before the request's
// LastStart (or, without one, its Deadline), with a maximumDuration that
// ends at the Deadline, so Azure stops the install there; the provider
// waits for the result until Config.ReportGrace after the Deadline at
// most (see installWait). Past the cutoff a machine whose install is
// under way (a resume token) is still resumed and watched to its end; the
// others report the window closed, and when no machine had one the call
// fails with fleet.ErrWindowClosed. Errors no retry can fix (see
// permanentResponse) fail the call with fleet.ErrPermanent.
func (p *Provider) Install(ctx context.Context, req fleet.InstallRequest, progress fleet.Progress) (fleet.InstallResult, error) {
	if err := checkBatch("Install", len(req.Instances)); err != nil {
		return fleet.InstallResult{}, err
	}
	defs := make(map[string]fleet.Patch, len(req.Patches))
	for _, pt := range req.Patches {
		defs[pt.ID] = pt
	}
	ids := make([]string, len(req.Instances))
	for i, r := range req.Instances {
		ids[i] = r.InstanceID
	}
	res := fleet.InstallResult{Instances: make([]fleet.InstanceInstall, len(ids))}
	errs := make([]error, len(ids))
	closed := make([]error, len(ids))
	p.forEach(ctx, ids, progress, func(ctx context.Context, i int, m machine, beat func()) {
		r, err := p.installOne(ctx, req, req.Instances[i], defs, m, beat)
		switch {
		case errors.Is(err, fleet.ErrWindowClosed):
			closed[i] = err
			r = fleet.InstanceInstall{InstanceID: m.ID, Error: err.Error(), NotStarted: true}
		case errors.Is(err, errUnconfirmed):
			r = fleet.InstanceInstall{InstanceID: m.ID, Error: err.Error(), Unconfirmed: true}
		case err != nil:
			errs[i] = err
			r = fleet.InstanceInstall{InstanceID: m.ID, Error: machineError("installPatches", err), Unreachable: unreachable(err)}
		}
		res.Instances[i] = r
	}, func(i int, err error) {
		res.Instances[i] = fleet.InstanceInstall{InstanceID: ids[i], Error: err.Error()}
	})
	for _, err := range errs {
		if callError(err) {
			return res, wrapCallError(err)
		}
	}
	for _, err := range closed {
		if err == nil {
			return res, nil
		}
	}
	if len(closed) > 0 {
		return fleet.InstallResult{}, fmt.Errorf("azure: install of %d machines: %w", len(closed), closed[0])
	}
	return res, nil
}

// installParams translates one machine's share of the manifest: Linux
// package masks "name=version", Windows KB numbers, nothing else.
func installParams(patches []fleet.Patch, reboot fleet.RebootOption, duration time.Duration) armcompute.VirtualMachineInstallPatchesParameters {
	setting := armcompute.VMGuestPatchRebootSettingIfRequired
	if reboot == fleet.NoReboot {
		setting = armcompute.VMGuestPatchRebootSettingNever
	}
	in := armcompute.VirtualMachineInstallPatchesParameters{RebootSetting: to.Ptr(setting), MaximumDuration: to.Ptr(isoDuration(duration))}
	if len(patches) > 0 && patches[0].OS.IsWindows() {
		w := &armcompute.WindowsParameters{}
		for _, pt := range patches {
			w.KbNumbersToInclude = append(w.KbNumbersToInclude, to.Ptr(strings.TrimPrefix(strings.ToUpper(firstNonEmpty(pt.KB, pt.ID)), "KB")))
		}
		in.WindowsParameters = w
		return in
	}
	l := &armcompute.LinuxParameters{}
	for _, pt := range patches {
		l.PackageNameMasksToInclude = append(l.PackageNameMasksToInclude, to.Ptr(pt.Name+"="+pt.Version))
	}
	in.LinuxParameters = l
	return in
}

// isoDuration formats d, in whole minutes, as an ISO 8601 duration.
func isoDuration(d time.Duration) string {
	mins := int(d / time.Minute)
	switch h, m := mins/60, mins%60; {
	case h == 0:
		return fmt.Sprintf("PT%dM", m)
	case m == 0:
		return fmt.Sprintf("PT%dH", h)
	default:
		return fmt.Sprintf("PT%dH%dM", h, m)
	}
}

// maxDuration is the maximumDuration of an install starting now.
func maxDuration(deadline, now time.Time) time.Duration {
	if deadline.IsZero() {
		return MaxDuration
	}
	return min(deadline.Sub(now), MaxDuration).Truncate(time.Minute)
}

// installOne installs on one machine, or resumes its running install.
// Past the cutoff, with no install under way, it fails with an error
// wrapping fleet.ErrWindowClosed (see startRefused).
func (p *Provider) installOne(ctx context.Context, req fleet.InstallRequest, ir fleet.InstanceInstallRequest,
	defs map[string]fleet.Patch, m machine, beat func()) (fleet.InstanceInstall, error) {
	out := fleet.InstanceInstall{InstanceID: m.ID}
	key := resumeKey(req.CycleID, m.ID)
	_, resuming, err := p.cfg.Resume.Load(ctx, key)
	if err != nil {
		return out, fmt.Errorf("resume store: %w", err)
	}
	now := time.Now()
	if c := cutoffOf(req); !resuming && !c.IsZero() && now.After(c) {
		return out, startRefused(req, now)
	}
	var patches []fleet.Patch
	for _, id := range ir.PatchIDs {
		pt, ok := defs[id]
		if !ok {
			out.Changes = append(out.Changes, fleet.PackageChange{PatchID: id, State: fleet.StateFailed,
				Error: "not installed: the request has no definition of this patch"})
			continue
		}
		patches = append(patches, pt)
	}
	if len(patches) == 0 {
		return out, nil
	}
	dur := maxDuration(req.Deadline, now)
	if !resuming && dur < MinDuration {
		out.Error = fmt.Sprintf("not started: the maintenance window ends at %s, less than %s from now", req.Deadline.Format(time.RFC3339), MinDuration)
		out.NotStarted = true
		for _, pt := range patches {
			out.Changes = append(out.Changes, fleet.PackageChange{PatchID: pt.ID, Name: pt.Name, State: fleet.StateFailed, Error: "not installed: the maintenance window ended"})
		}
		return out, nil
	}
	params := installParams(patches, req.Reboot, max(dur, 0))
	report := params
	if resuming {
		// The maximumDuration is the earlier attempt's, not known here.
		report.MaximumDuration = nil
	}
	wctx, cancel := p.installWait(ctx, req.Deadline)
	defer cancel()
	var r fleet.InstanceInstall
	if m.Arc {
		r, err = p.installArc(wctx, req, out, patches, m, key, params, report, beat)
	} else {
		r, err = p.installVM(wctx, req, out, patches, m, key, params, report, beat)
	}
	if err != nil && wctx.Err() != nil && ctx.Err() == nil {
		return p.stoppedWaiting(out, patches, req.Deadline), nil
	}
	return r, err
}

// installVM runs a VM's installPatches (see runInstall) and maps its result.
func (p *Provider) installVM(ctx context.Context, req fleet.InstallRequest, out fleet.InstanceInstall, patches []fleet.Patch, m machine, key string,
	params, report armcompute.VirtualMachineInstallPatchesParameters, beat func()) (fleet.InstanceInstall, error) {
	c, err := p.vmClient(m.Sub)
	if err != nil {
		return out, err
	}
	r, err := p.runInstall(ctx, req, c, m, key, params, beat)
	if err != nil {
		return out, err
	}
	return installOutcome(out, patches, r, report), nil
}

// runInstall runs a VM's installPatches through resumable.
func (p *Provider) runInstall(ctx context.Context, req fleet.InstallRequest, c *armcompute.VirtualMachinesClient, m machine, key string,
	params armcompute.VirtualMachineInstallPatchesParameters, beat func()) (armcompute.VirtualMachineInstallPatchesResult, error) {
	type response = armcompute.VirtualMachinesClientInstallPatchesResponse
	r, err := resumable(ctx, p.cfg.Resume, key, guardStart(req, func(token string) (*runtime.Poller[response], error) {
		var opts *armcompute.VirtualMachinesClientBeginInstallPatchesOptions
		if token != "" {
			opts = &armcompute.VirtualMachinesClientBeginInstallPatchesOptions{ResumeToken: token}
		}
		return c.BeginInstallPatches(ctx, m.RG, m.Name, params, opts)
	}), asIs[response], p.cfg.PollInterval, beat)
	return r.VirtualMachineInstallPatchesResult, err
}

// installOutcome maps an installPatches result onto the requested patches:
// per-patch installationState, rebootStatus and maintenanceWindowExceeded.
func installOutcome(out fleet.InstanceInstall, patches []fleet.Patch, r armcompute.VirtualMachineInstallPatchesResult,
	params armcompute.VirtualMachineInstallPatchesParameters) fleet.InstanceInstall {
	details := map[string]*armcompute.PatchInstallationDetail{}
	for _, d := range r.Patches {
		if d == nil {
			continue
		}
		if kb := deref(d.KbID); kb != "" {
			details["KB"+strings.TrimPrefix(strings.ToUpper(kb), "KB")] = d
		}
		details[deref(d.Name)+"="+deref(d.Version)] = d
	}
	reboot := ""
	if r.RebootStatus != nil {
		reboot = string(*r.RebootStatus)
	}
	out.Rebooted = reboot == string(armcompute.VMGuestPatchRebootStatusStarted) ||
		reboot == string(armcompute.VMGuestPatchRebootStatusCompleted) || reboot == string(armcompute.VMGuestPatchRebootStatusFailed)
	out.RebootRequired = out.Rebooted || reboot == string(armcompute.VMGuestPatchRebootStatusRequired)
	exceeded := r.MaintenanceWindowExceeded != nil && *r.MaintenanceWindowExceeded
	failed := r.Status != nil && *r.Status == armcompute.PatchOperationStatusFailed
	for _, pt := range patches {
		d := details[pt.Name+"="+pt.Version]
		if pt.OS.IsWindows() {
			d = details["KB"+strings.TrimPrefix(strings.ToUpper(firstNonEmpty(pt.KB, pt.ID)), "KB")]
		}
		ch := fleet.PackageChange{PatchID: pt.ID, Name: pt.Name, ToVersion: pt.Version, State: fleet.StateInstalled}
		state := ""
		if d != nil && d.InstallationState != nil {
			state = string(*d.InstallationState)
		}
		switch state {
		case string(armcompute.PatchInstallationStateInstalled), "":
			if state == "" && (failed || exceeded) {
				ch.State, ch.Error = fleet.StateFailed, "not installed: the operation ended without installing it"
			} else if pt.RequiresReboot && reboot != string(armcompute.VMGuestPatchRebootStatusCompleted) {
				ch.State = fleet.StateInstalledPendingReboot
			}
		case string(armcompute.PatchInstallationStatePending):
			ch.State, ch.Error = fleet.StateFailed, "not installed: "+pendingReason(exceeded, params)
		default:
			ch.State, ch.Error = fleet.StateFailed, "installationState "+state
		}
		if ch.State == fleet.StateFailed {
			ch.ToVersion = ""
		}
		out.Changes = append(out.Changes, ch)
	}
	switch {
	case exceeded:
		out.Error = "maintenance window exceeded: " + pendingReason(true, params)
	case failed:
		out.Error = "installPatches failed: " + apiErrorText(r.Error)
	case reboot == string(armcompute.VMGuestPatchRebootStatusFailed):
		out.Error = "the reboot after the install did not complete (rebootStatus Failed)"
	}
	return out
}

func pendingReason(exceeded bool, params armcompute.VirtualMachineInstallPatchesParameters) string {
	if !exceeded {
		return "still pending when the operation ended"
	}
	if d := deref(params.MaximumDuration); d != "" {
		return "the install did not finish within maximumDuration " + d + " (maintenanceWindowExceeded)"
	}
	return "the install did not finish within its maximumDuration (maintenanceWindowExceeded)"
}

package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/report"
)

// BatchOutcome counts the final outcomes of one batch.
type BatchOutcome struct {
	Patched       int `json:"patched"`
	PendingReboot int `json:"pendingReboot"`
	// LivePatched instances are installed with their reboot deferred:
	// live patches apply the kernel update's fixes.
	LivePatched int `json:"livePatched,omitempty"`
	Failed      int `json:"failed"`
	// Unreachable instances were not reached (agent offline, machine
	// stopped); they do not count against the error budget.
	Unreachable int `json:"unreachable,omitempty"`
	// NotAttempted instances were not started: the window's cutoff had
	// passed.
	NotAttempted int `json:"notAttempted,omitempty"`
}

// Add adds o to b.
func (b *BatchOutcome) Add(o BatchOutcome) {
	b.Patched += o.Patched
	b.PendingReboot += o.PendingReboot
	b.LivePatched += o.LivePatched
	b.Failed += o.Failed
	b.Unreachable += o.Unreachable
	b.NotAttempted += o.NotAttempted
}

// VerifyBatch scans the batch again and settles each instance's outcome
// from the install, the reboot and the scan: patched when every planned
// patch is installed, pending-reboot when installed but waiting for a reboot
// the group does not allow, failed otherwise. The outcomes are stored.
func (a *Activities) VerifyBatch(ctx context.Context, in BatchInput) (BatchOutcome, error) {
	if err := validRun(in.Run); err != nil {
		return BatchOutcome{}, err
	}
	key := in.Run.waveKey(in.Wave, in.Batch, "result")
	var stored []report.Instance
	found, err := getJSON(ctx, a.Store, key, &stored)
	switch {
	case errors.Is(err, ErrDamaged):
		// Verification reads the fleet and the stored install: do it again.
		warnRebuild(ctx, err)
	case err != nil || found:
		return countOutcomes(stored), err
	}
	bp, err := a.batchPlan(ctx, in)
	if err != nil {
		return BatchOutcome{}, err
	}
	var inst fleet.InstallResult
	if _, err := getJSON(ctx, a.Store, in.Run.waveKey(in.Wave, in.Batch, "install"), &inst); err != nil {
		return BatchOutcome{}, err
	}
	var reboots []fleet.RebootOutcome
	if _, err := getJSON(ctx, a.Store, in.Run.waveKey(in.Wave, in.Batch, "reboot"), &reboots); err != nil {
		return BatchOutcome{}, err
	}
	ids := make([]string, len(bp.Instances))
	for i, x := range bp.Instances {
		ids[i] = x.ID
	}
	var scan fleet.ScanResult
	if in.VerifyError != "" {
		// The workflow gave up on scanning: the outcome is settled all the
		// same, every instance recorded as unverified.
		for _, id := range ids {
			scan.Instances = append(scan.Instances, fleet.InstanceScan{InstanceID: id, Error: "did not complete: " + in.VerifyError})
		}
	} else if sctx, berr := a.withBaselines(fleet.WithCallKey(ctx, key), in.Run); berr != nil {
		return BatchOutcome{}, berr
	} else if scan, err = a.scanToVerify(sctx, ctx, ids); err != nil {
		// Retried with backoff; after the last attempt the workflow calls
		// again with VerifyError set.
		return BatchOutcome{}, providerError("verify scan", err)
	}
	out := settle(in, bp, inst, reboots, scan)
	if in.DeferLivePatchedReboots {
		warnRebootNotDeferred(a.Provider, out)
	}
	runs, err := a.batchHookRuns(ctx, in)
	if err != nil {
		return BatchOutcome{}, err
	}
	applyHooks(out, runs, in.PostInstallHooks)
	if err := a.applyReleases(ctx, in, out); err != nil {
		return BatchOutcome{}, err
	}
	snaps, warn, err := a.batchSnapshots(ctx, in)
	if err != nil {
		return BatchOutcome{}, err
	}
	for i := range out {
		out[i].Snapshots = snaps[out[i].ID]
		if w := warn[out[i].ID]; w != "" {
			out[i].Warnings = append(out[i].Warnings, w)
		}
	}
	if err := putJSON(ctx, a.Store, key, out); err != nil {
		return BatchOutcome{}, err
	}
	return countOutcomes(out), nil
}

// scanToVerify runs the verification scan, heartbeating on actx.
func (a *Activities) scanToVerify(ctx, actx context.Context, ids []string) (fleet.ScanResult, error) {
	progress, stop := heartbeater(actx, "verify")
	defer stop()
	return a.Provider.Scan(ctx, ids, progress)
}

// settle combines a batch's install, reboot and verification scan into
// per-instance report entries.
func settle(in BatchInput, bp BatchPlan, inst fleet.InstallResult, reboots []fleet.RebootOutcome, scan fleet.ScanResult) []report.Instance {
	installs := map[string]fleet.InstanceInstall{}
	for _, r := range inst.Instances {
		installs[r.InstanceID] = r
	}
	rebooted := map[string]fleet.RebootOutcome{}
	for _, r := range reboots {
		rebooted[r.InstanceID] = r
	}
	scans := map[string]fleet.InstanceScan{}
	for _, s := range scan.Instances {
		scans[s.InstanceID] = s
	}
	patches := map[string]fleet.Patch{}
	for _, p := range bp.Request.Patches {
		patches[p.ID] = p
	}
	out := make([]report.Instance, 0, len(bp.Instances))
	for k, x := range bp.Instances {
		ri := report.Instance{ID: x.ID, Name: x.Name, Cloud: x.Cloud, Account: x.Account, Region: x.Region,
			OS: x.OS, OSVersion: x.OSVersion, Wave: in.Wave}
		ir, installed := installs[x.ID]
		rb, didReboot := rebooted[x.ID]
		sc := scans[x.ID]
		ri.Reboot = report.Reboot{Needed: ir.RebootRequired, Done: didReboot && rb.Ready,
			Deferred: ir.RebootDeferred, LivePatchedCVEs: ir.LivePatchedCVEs}
		state := map[string]fleet.PatchStatus{}
		for _, ps := range sc.Patches {
			state[ps.PatchID] = ps
		}
		changes := map[string]fleet.PackageChange{}
		for _, c := range ir.Changes {
			changes[c.PatchID] = c
		}
		var problems []string
		pending := false
		for _, id := range bp.Request.Instances[k].PatchIDs {
			p := patches[id]
			c := changes[id]
			pkg := report.Package{PatchID: id, Name: firstNonEmpty(c.Name, p.Name), KB: p.KB, FromVersion: c.FromVersion,
				ToVersion: firstNonEmpty(c.ToVersion, p.Version), Classification: p.Classification,
				Severity: firstNonEmpty(p.Severity, p.MSRCSeverity, p.Priority), CVEs: p.CVEs, State: c.State, Error: c.Error}
			if ps, ok := state[id]; ok && sc.Error == "" {
				// The verification scan has the last word on the state.
				pkg.State = ps.State
			} else if sc.Error == "" && installed && c.State != fleet.StateFailed && !ir.NotStarted {
				pkg.State = fleet.StateInstalled
			}
			switch pkg.State {
			case fleet.StateInstalled:
			case fleet.StateInstalledPendingReboot:
				pending = true
			default:
				if pkg.Error == "" {
					pkg.Error = fmt.Sprintf("still %s after install", pkg.State)
				}
				problems = append(problems, id+": "+pkg.Error)
			}
			ri.Packages = append(ri.Packages, pkg)
		}
		switch {
		case !installed:
			ri.Outcome, ri.Reason = report.Failed, firstNonEmpty(in.InstallError, "the provider returned no install result")
		case ir.NotStarted:
			ri.Outcome, ri.Reason = report.NotAttempted, report.ReasonWindowClosed
		case ir.Unconfirmed && len(problems) > 0:
			ri.Outcome, ri.Reason = report.NotAttempted, report.ReasonUnconfirmed
		case ir.Unconfirmed && pending:
			ri.Outcome = report.PendingReboot
		case ir.Unconfirmed:
			ri.Outcome = report.Patched
		case ir.Unreachable:
			ri.Outcome, ri.Reason = report.Unreachable, ir.Error
		case ir.Error != "":
			ri.Outcome, ri.Reason = report.Failed, ir.Error
		case didReboot && !rb.Ready:
			ri.Outcome, ri.Reason = report.Failed, firstNonEmpty(rb.Error, "did not come back after the reboot")
		case sc.Error != "":
			ri.Outcome, ri.Reason = report.Failed, "verification scan failed: "+sc.Error
		case len(problems) > 0:
			ri.Outcome, ri.Reason = report.Failed, problems[0]
		case pending && ir.RebootDeferred:
			ri.Outcome = report.LivePatched
			ri.Reason = "reboot deferred: live patches apply the kernel update's fixes (" + strings.Join(ir.LivePatchedCVEs, ", ") + ") to the running kernel; the new kernel runs after the next reboot"
		case pending:
			ri.Outcome = report.PendingReboot
			if in.Reboot == fleet.NoReboot {
				ri.Reason = "the group's reboot option is NoReboot"
			}
		default:
			ri.Outcome = report.Patched
		}
		out = append(out, ri)
	}
	return out
}

func countOutcomes(out []report.Instance) BatchOutcome {
	var b BatchOutcome
	for _, r := range out {
		switch r.Outcome {
		case report.Patched:
			b.Patched++
		case report.PendingReboot:
			b.PendingReboot++
		case report.LivePatched:
			b.LivePatched++
		case report.Unreachable:
			b.Unreachable++
		case report.NotAttempted:
			b.NotAttempted++
		default:
			b.Failed++
		}
	}
	return b
}

// warnRebootNotDeferred warns on each rebooted instance of a group with
// livePatch: deferReboot whose provider cannot skip reboots for live
// patches (fleet.LivePatchDeferrer): the option did nothing there.
func warnRebootNotDeferred(p fleet.Provider, out []report.Instance) {
	d, _ := p.(fleet.LivePatchDeferrer)
	for i := range out {
		if out[i].Reboot.Done && (d == nil || !d.DefersLivePatchedReboots(out[i].ID)) {
			out[i].Warnings = append(out[i].Warnings,
				"rebooted although the group's livePatch is deferReboot: this cloud's provider does not read live-patch coverage yet")
		}
	}
}

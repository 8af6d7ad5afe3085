package activities

import (
	"context"
	"errors"
	"maps"
	"slices"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// BatchInput names one batch of one wave of a run.
type BatchInput struct {
	Run    Run                `json:"run"`
	Wave   int                `json:"wave"`
	Batch  int                `json:"batch"`
	Reboot fleet.RebootOption `json:"reboot"`
	// DeferLivePatchedReboots skips the reboot of live-patched instances
	// (fleet.InstallRequest.DeferLivePatchedReboots).
	DeferLivePatchedReboots bool `json:"deferLivePatchedReboots,omitempty"`
	// Deadline is the end of the install window.
	Deadline time.Time `json:"deadline"`
	// LastStart is the window's cutoff: a batch that has not started its
	// install by then does not start it.
	LastStart time.Time `json:"lastStart,omitzero"`
	// Digest is the manifest digest the cycle reviewed; the install checks
	// the stored manifest, plan and approval against it first.
	Digest string `json:"digest"`
	// InstallError, for VerifyBatch, is why the install activity gave up,
	// if it did.
	InstallError string `json:"installError,omitempty"`
	// VerifyError, for VerifyBatch, is why verification kept failing: the
	// batch is then settled without a scan, every instance failed with it.
	VerifyError string `json:"verifyError,omitempty"`
	// PostInstallHooks, for VerifyBatch, says the group has postInstall
	// hooks: an instance its preInstall hooks ran on and they did not is
	// reported with a warning.
	PostInstallHooks bool `json:"postInstallHooks,omitempty"`
}

// InstallBatchResult counts one batch's install; details are stored.
type InstallBatchResult struct {
	Instances int `json:"instances"`
	Failed    int `json:"failed"`
	// Rebooted lists the instances that were rebooted and must be waited for.
	Rebooted []string `json:"rebooted,omitempty"`
	// WindowClosed: the window's cutoff passed before the install started;
	// nothing was installed and the batch's instances are not attempted.
	WindowClosed bool `json:"windowClosed,omitempty"`
}

// InstallBatch installs the batch's planned patches, and nothing else:
// before it acts it checks that the stored manifest still hashes to the
// reviewed digest, that the approval holds (for a new install: has not
// expired) and that the batch plan installs only approved manifest patches
// (see checkBatch); any mismatch fails closed with ErrIntegrity.
//
// Idempotent in three steps: the versions installed before are stored first
// (once), then the provider installs (a provider install of an installed
// patch is a no-op), then the result, with from-versions taken from the
// stored inventory, is stored; a retry returns a stored result as it is.
func (a *Activities) InstallBatch(ctx context.Context, in BatchInput) (InstallBatchResult, error) {
	var res fleet.InstallResult
	if found, err := getJSON(ctx, a.Store, in.Run.waveKey(in.Wave, in.Batch, "install"), &res); err != nil || found {
		return countInstall(res), err
	}
	// Heartbeat through the checks, the locks and the inventory too: they
	// may take a while against a throttling cloud.
	progress, stop := heartbeater(ctx, "install")
	defer stop()
	bp, err := a.batchPlan(ctx, in)
	if err != nil {
		return InstallBatchResult{}, err
	}
	resuming, err := a.checkInstall(ctx, in, bp)
	if err != nil {
		return InstallBatchResult{}, err
	}
	if !resuming && !in.LastStart.IsZero() && a.now().After(in.LastStart) {
		return InstallBatchResult{WindowClosed: true}, nil
	}
	skipped, err := a.skippedBeforeInstall(ctx, in)
	if err != nil {
		return InstallBatchResult{}, err
	}
	bp = withoutInstances(bp, skipped)
	if len(bp.Request.Instances) == 0 {
		res = withSkipped(fleet.InstallResult{}, skipped)
		return countInstall(res), putJSON(ctx, a.Store, in.Run.waveKey(in.Wave, in.Batch, "install"), res)
	}
	ids := make([]string, len(bp.Request.Instances))
	for i, r := range bp.Request.Instances {
		ids[i] = r.InstanceID
	}
	owner := in.Run.Key() + "/" + in.Run.waveKey(in.Wave, in.Batch, "install")
	if err := a.lockHosts(ctx, owner, ids, hostLockUntil(in, a.now())); err != nil {
		return InstallBatchResult{}, err
	}
	before, err := a.inventoryBefore(ctx, in, bp)
	if err != nil {
		return InstallBatchResult{}, err
	}
	if err := a.upgradeReleases(ctx, in, bp); err != nil {
		return InstallBatchResult{}, err
	}
	req := bp.Request
	req.Reboot, req.Deadline, req.LastStart, req.Resume = in.Reboot, in.Deadline, in.LastStart, resuming
	req.DeferLivePatchedReboots = in.DeferLivePatchedReboots
	ctx = fleet.WithCallKey(ctx, in.Run.waveKey(in.Wave, in.Batch, "install"))
	res, err = a.Provider.Install(ctx, req, progress)
	if errors.Is(err, fleet.ErrWindowClosed) {
		if !resuming {
			return InstallBatchResult{WindowClosed: true}, a.unlockHosts(ctx, owner, ids)
		}
		// An earlier attempt may have installed before it died, and the
		// cloud keeps nothing to resume: the verification scan decides.
		res, err = unconfirmed(ids, err), nil
	}
	if err != nil {
		// The hosts stay locked: the cloud may still be installing. A
		// retry resumes under the same owner; the locks lapse at worst.
		return InstallBatchResult{}, providerError("install", err)
	}
	fixFromVersions(&res, before, bp)
	res = withSkipped(res, skipped)
	if err := putJSON(ctx, a.Store, in.Run.waveKey(in.Wave, in.Batch, "install"), res); err != nil {
		return InstallBatchResult{}, err
	}
	return countInstall(res), a.unlockHosts(ctx, owner, ids)
}

// unconfirmed is the result of a resumed install the provider could not
// confirm: every instance's outcome is left to the verification scan.
func unconfirmed(ids []string, why error) fleet.InstallResult {
	var res fleet.InstallResult
	for _, id := range ids {
		res.Instances = append(res.Instances, fleet.InstanceInstall{InstanceID: id, Unconfirmed: true,
			Error: "the install could not be confirmed before the window's cutoff: " + why.Error()})
	}
	return res
}

// hostLockUntil is when a batch's host locks lapse if nobody releases
// them: an hour after the window's end (a day without a window).
func hostLockUntil(in BatchInput, now time.Time) time.Time {
	if in.Deadline.IsZero() {
		return now.Add(24 * time.Hour)
	}
	return in.Deadline.Add(time.Hour)
}

// checkInstall runs the checks before an install batch and reports
// whether an earlier attempt may already have started the install (its
// pre-install inventory is stored).
func (a *Activities) checkInstall(ctx context.Context, in BatchInput, bp BatchPlan) (resuming bool, err error) {
	if err := validRun(in.Run); err != nil {
		return false, err
	}
	var ap Approved
	found, err := getJSON(ctx, a.Store, in.Run.approvedKey(), &ap)
	if err != nil {
		return false, err
	}
	if !found || ap.Digest != in.Digest {
		return false, integrityError("run %s has no stored approval of digest %s: refusing to install", in.Run, in.Digest)
	}
	m, err := a.verifiedManifest(ctx, in.Run, in.Digest)
	if err != nil {
		return false, err
	}
	before, err := a.Store.Get(ctx, in.Run.waveKey(in.Wave, in.Batch, "before"))
	if err != nil && !errors.Is(err, ErrNotFound) {
		return false, err
	}
	resuming = before != nil
	if err := a.checkApproved(ctx, in.Run, ap, m, a.now(), resuming); err != nil {
		return false, err
	}
	if err := checkBatch(bp, m, ap); err != nil {
		return false, integrityError("batch %d of wave %d of %s: %v: refusing to install", in.Batch, in.Wave, in.Run, err)
	}
	return resuming, nil
}

func (a *Activities) batchPlan(ctx context.Context, in BatchInput) (BatchPlan, error) {
	var bp BatchPlan
	found, err := getJSON(ctx, a.Store, in.Run.waveKey(in.Wave, in.Batch, "plan"), &bp)
	if err == nil && !found {
		err = lostArtifact(in.Run.waveKey(in.Wave, in.Batch, "plan"))
	}
	return bp, err
}

// inventoryBefore returns the stored pre-install inventory of the batch, or
// reads and stores it.
func (a *Activities) inventoryBefore(ctx context.Context, in BatchInput, bp BatchPlan) ([]fleet.Inventory, error) {
	key := in.Run.waveKey(in.Wave, in.Batch, "before")
	var inv []fleet.Inventory
	if found, err := getJSON(ctx, a.Store, key, &inv); err != nil || found {
		return inv, err
	}
	ids := make([]string, len(bp.Request.Instances))
	for i, r := range bp.Request.Instances {
		ids[i] = r.InstanceID
	}
	inv, err := a.Provider.Inventory(ctx, ids)
	if err != nil {
		return nil, providerError("inventory", err)
	}
	return inv, putJSON(ctx, a.Store, key, inv)
}

// fixFromVersions sets each change's FromVersion from the inventory taken
// before the install, so a retried install (which sees the new version
// already there) still reports the version it replaced.
func fixFromVersions(res *fleet.InstallResult, before []fleet.Inventory, bp BatchPlan) {
	ver := map[string]map[string]string{}
	for _, inv := range before {
		m := map[string]string{}
		for _, p := range inv.Packages {
			m[p.Name] = p.Version
		}
		ver[inv.InstanceID] = m
	}
	names := map[string]string{}
	for _, p := range bp.Request.Patches {
		names[p.ID] = p.Name
	}
	for i := range res.Instances {
		r := &res.Instances[i]
		for j := range r.Changes {
			c := &r.Changes[j]
			name := c.Name
			if name == "" {
				name = names[c.PatchID]
			}
			if v, ok := ver[r.InstanceID][name]; ok {
				c.FromVersion = v
			}
		}
	}
}

func countInstall(r fleet.InstallResult) InstallBatchResult {
	out := InstallBatchResult{Instances: len(r.Instances)}
	for _, i := range r.Instances {
		if i.Failed() {
			out.Failed++
		}
		if i.Rebooted {
			out.Rebooted = append(out.Rebooted, i.InstanceID)
		}
	}
	return out
}

// skippedBeforeInstall returns the batch's instances that are not to be
// installed, with why: their snapshot failed, or a preInstall hook whose
// onFailure is skip-instance failed on them.
func (a *Activities) skippedBeforeInstall(ctx context.Context, in BatchInput) (map[string]string, error) {
	out, err := a.snapshotSkipped(ctx, in)
	if err != nil {
		return nil, err
	}
	hooks, err := a.preInstallSkipped(ctx, in)
	if err != nil {
		return nil, err
	}
	for id, why := range hooks {
		if _, ok := out[id]; !ok {
			out[id] = why
		}
	}
	return out, nil
}

// withoutInstances is the batch plan without the skipped instances.
func withoutInstances(bp BatchPlan, skipped map[string]string) BatchPlan {
	if len(skipped) == 0 {
		return bp
	}
	out := BatchPlan{Request: bp.Request, ReleaseVersion: bp.ReleaseVersion}
	out.Request.Instances = nil
	for _, r := range bp.Request.Instances {
		if _, ok := skipped[r.InstanceID]; !ok {
			out.Request.Instances = append(out.Request.Instances, r)
		}
	}
	for _, x := range bp.Instances {
		if _, ok := skipped[x.ID]; !ok {
			out.Instances = append(out.Instances, x)
		}
	}
	return out
}

// withSkipped adds the skipped instances to an install result, each
// failed with why, in a stable order.
func withSkipped(res fleet.InstallResult, skipped map[string]string) fleet.InstallResult {
	for _, id := range slices.Sorted(maps.Keys(skipped)) {
		res.Instances = append(res.Instances, fleet.InstanceInstall{InstanceID: id, Error: skipped[id]})
	}
	return res
}

package workflows

import (
	"errors"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

// WaveInput starts a Wave.
type WaveInput struct {
	Run    activities.Run      `json:"run"`
	Wave   activities.WavePlan `json:"wave"`
	Reboot fleet.RebootOption  `json:"reboot"`
	// DeferLivePatchedReboots skips the reboot of live-patched instances
	// (the group's livePatch: deferReboot).
	DeferLivePatchedReboots bool `json:"deferLivePatchedReboots,omitempty"`
	// Deadline is the end of the install window.
	Deadline time.Time `json:"deadline"`
	// LastStart is the window's cutoff: no batch starts after it.
	LastStart time.Time `json:"lastStart"`
	// ErrorBudget is how many more failed instances the rollout tolerates;
	// once the wave's failures exceed it, no new batch starts.
	ErrorBudget int `json:"errorBudget"`
	// Digest is the reviewed manifest digest every install checks.
	Digest string `json:"digest"`
	// ApprovalExpires, when set, is when the approval stops allowing new
	// batches.
	ApprovalExpires time.Time `json:"approvalExpires,omitzero"`
	Tuning          Tuning    `json:"tuning"`
	// Hooks are the group's hooks, run on each batch around its install.
	Hooks *policy.Hooks `json:"hooks,omitempty"`
	// SnapshotRetain, when set, snapshots each batch's disks before its
	// install and keeps them that long.
	SnapshotRetain time.Duration `json:"snapshotRetain,omitempty"`
}

// WaveResult counts a wave's outcomes.
type WaveResult struct {
	Wave       int                     `json:"wave"`
	Outcome    activities.BatchOutcome `json:"outcome"`
	BatchesRun int                     `json:"batchesRun"`
	// StoppedBy is set when the wave stopped starting batches: cancelled,
	// halted, window-closed, expired (the approval), or failed (a check
	// before an install failed: Failure says which).
	StoppedBy Status `json:"stoppedBy,omitempty"`
	Failure   string `json:"failure,omitempty"`
	// Halt is why a hook whose onFailure is halt stopped the wave.
	Halt string `json:"halt,omitempty"`
}

// waveID is the workflow ID of a run's n-th wave.
func waveID(parent string, n int) string { return parent + "/wave-" + strconv.Itoa(n) }

// Wave installs, reboots and verifies the batches of one wave, a bounded
// number at a time, between batches honouring pause, cancel, the error
// budget, the window's cutoff and the approval's expiry. The instances in
// flight never exceed the failures it takes to halt (see
// policy.Rollout.MaxErrors). A failed check before an install stops the
// wave at once; a batch the window closed on is left not attempted.
func Wave(ctx workflow.Context, in WaveInput) (WaveResult, error) {
	// Waves recorded before release 2 replay without its checks.
	legacy := workflow.GetVersion(ctx, changeRelease2, workflow.DefaultVersion, 1) == workflow.DefaultVersion
	if !legacy {
		if err := validateWave(ctx, in); err != nil {
			return WaveResult{}, err
		}
	}
	ctl := newControl(ctx, nil)
	t := in.Tuning.withDefaults()
	res := WaveResult{Wave: in.Wave.Index}
	windowClosed := false
	stop := func() bool {
		switch {
		case ctl.cancelled:
			res.StoppedBy = StatusCancelled
		case res.Failure != "":
			res.StoppedBy = StatusFailed
		case res.Halt != "":
			res.StoppedBy = StatusHalted
		case res.Outcome.Failed > in.ErrorBudget:
			res.StoppedBy = StatusHalted
		case windowClosed || workflow.Now(ctx).After(in.LastStart):
			res.StoppedBy = StatusWindowClosed
		case !in.ApprovalExpires.IsZero() && !workflow.Now(ctx).Before(in.ApprovalExpires):
			res.StoppedBy = StatusExpired
		default:
			return false
		}
		return true
	}
	inFlight := 0
	ready := func(b int) bool {
		if ctl.paused {
			return false
		}
		// A batch starts alone, or beside others while all of them failing
		// would still not take more failures than it takes to halt.
		return legacy || inFlight == 0 || inFlight+in.Wave.Size(b) <= in.ErrorBudget-res.Outcome.Failed+1
	}
	// Started batches run to their settled outcome even when the workflow
	// is cancelled (a cancel stops new batches, never a half-done one).
	bctx, _ := workflow.NewDisconnectedContext(ctx)
	started := func(b int) { inFlight += in.Wave.Size(b) }
	limit := parallelism(ctx, t.BatchParallelism, in.Wave.Batches)
	err := forEachBounded(ctx, bctx, in.Wave.Batches, limit, ready, started, stop,
		func(gctx workflow.Context, batch int) {
			defer func() { inFlight -= in.Wave.Size(batch) }()
			res.BatchesRun++
			out, failure, closed := runBatch(gctx, in, t, batch)
			res.Outcome.Add(out.BatchOutcome)
			windowClosed = windowClosed || closed
			if failure != "" && res.Failure == "" {
				res.Failure = failure
			}
			if out.halt != "" && res.Halt == "" {
				res.Halt = out.halt
			}
		})
	if err != nil || ctx.Err() != nil {
		res.StoppedBy = StatusCancelled
	}
	if res.Failure != "" {
		res.StoppedBy = StatusFailed
	}
	if res.Halt != "" && res.StoppedBy == "" {
		res.StoppedBy = StatusHalted
	}
	if windowClosed && res.StoppedBy == "" {
		res.StoppedBy = StatusWindowClosed
	}
	return res, nil
}

// batchResult is a batch's outcome and, when a hook halted it, why.
type batchResult struct {
	activities.BatchOutcome
	halt string
}

// runBatch snapshots one batch's disks and runs its preInstall hooks (when
// the group asks), installs it, waits for its rebooted instances, runs the
// postReboot and postInstall hooks and verifies it. Every instance of the
// batch ends with a settled outcome, except when the window's cutoff
// passed before the install started (closed: the instances stay not
// attempted). It returns the failed check's message when the install
// refused to act. A preInstall hook that halts keeps the whole batch from
// installing; the postInstall hooks still run, so whatever the preInstall
// hooks did (a drain) is undone.
func runBatch(ctx workflow.Context, in WaveInput, t Tuning, batch int) (out batchResult, failure string, closed bool) {
	log := workflow.GetLogger(ctx)
	bi := activities.BatchInput{Run: in.Run, Wave: in.Wave.Index, Batch: batch, Reboot: in.Reboot,
		DeferLivePatchedReboots: in.DeferLivePatchedReboots, Deadline: in.Deadline, LastStart: in.LastStart, Digest: in.Digest, PostInstallHooks: len(in.Hooks.Stage(policy.StagePostInstall)) > 0}
	if in.SnapshotRetain > 0 {
		var sr activities.DiskSnapshotResult
		if err := workflow.ExecuteActivity(batchCtx(ctx, t), a.SnapshotDisks, activities.DiskSnapshotInput{BatchInput: bi, Retain: in.SnapshotRetain}).Get(ctx, &sr); err != nil {
			// Without its snapshots nothing of the batch is installed.
			log.Error("snapshots failed", "wave", in.Wave.Index, "batch", batch, "error", err)
			bi.InstallError = "not installed: the snapshots before the install failed: " + err.Error()
			return settleBatch(ctx, in, t, bi, batchResult{}), "", false
		}
	}
	hooks := func(stage string, rebooted []string) (activities.HookResult, error) {
		hs := in.Hooks.Stage(stage)
		if len(hs) == 0 || (stage == policy.StagePostReboot && len(rebooted) == 0) {
			return activities.HookResult{}, nil
		}
		var hr activities.HookResult
		err := workflow.ExecuteActivity(hookCtx(ctx, t, hs), a.RunHooks, activities.HookInput{BatchInput: bi, Stage: stage, Hooks: hs, Rebooted: rebooted}).Get(ctx, &hr)
		return hr, err
	}
	post := func(rebooted []string) {
		for _, stage := range []struct {
			name     string
			rebooted []string
		}{{policy.StagePostReboot, rebooted}, {policy.StagePostInstall, nil}} {
			hr, err := hooks(stage.name, stage.rebooted)
			if err != nil {
				log.Error("hooks failed", "stage", stage.name, "wave", in.Wave.Index, "batch", batch, "error", err)
			}
			if hr.Halt != "" && out.halt == "" {
				out.halt = hr.Halt
			}
		}
	}
	pre, err := hooks(policy.StagePreInstall, nil)
	switch {
	case err != nil:
		bi.InstallError = "not installed: the preInstall hooks failed: " + err.Error()
	case pre.Halt != "":
		out.halt = pre.Halt
		bi.InstallError = "not installed: " + pre.Halt
	}
	if bi.InstallError != "" {
		post(nil)
		return settleBatch(ctx, in, t, bi, out), "", false
	}
	var ir activities.InstallBatchResult
	if err := workflow.ExecuteActivity(installCtx(ctx, t, in.Deadline), a.InstallBatch, bi).Get(ctx, &ir); err != nil {
		log.Error("install batch failed", "wave", in.Wave.Index, "batch", batch, "error", err)
		bi.InstallError = "install failed: " + err.Error()
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == activities.ErrIntegrity {
			failure = appErr.Message()
		}
	} else if ir.WindowClosed {
		if in.Hooks != nil {
			post(nil)
		}
		return out, "", true
	} else if len(ir.Rebooted) > 0 {
		wi := activities.WaitReadyInput{BatchInput: bi, Instances: ir.Rebooted, Timeout: t.RebootTimeout}
		if err := workflow.ExecuteActivity(rebootCtx(ctx, t), a.WaitReadyBatch, wi).Get(ctx, nil); err != nil {
			log.Error("waiting for reboots failed", "wave", in.Wave.Index, "batch", batch, "error", err)
		}
	}
	post(ir.Rebooted)
	return settleBatch(ctx, in, t, bi, out), failure, false
}

// settleBatch verifies the batch and settles every instance's outcome.
func settleBatch(ctx workflow.Context, in WaveInput, t Tuning, bi activities.BatchInput, out batchResult) batchResult {
	log := workflow.GetLogger(ctx)
	if err := workflow.ExecuteActivity(batchCtx(ctx, t), a.VerifyBatch, bi).Get(ctx, &out.BatchOutcome); err != nil {
		// Settle the batch without a scan, so every instance has a
		// recorded outcome (failed, unverified) that RetryFailed can take.
		log.Error("verify batch failed; settling it as unverified", "wave", in.Wave.Index, "batch", bi.Batch, "error", err)
		bi.VerifyError = err.Error()
		if err := workflow.ExecuteActivity(shortCtx(ctx, t), a.VerifyBatch, bi).Get(ctx, &out.BatchOutcome); err != nil {
			log.Error("settling batch failed", "wave", in.Wave.Index, "batch", bi.Batch, "error", err)
			out.BatchOutcome = activities.BatchOutcome{Failed: in.Wave.Size(bi.Batch)}
		}
	}
	return out
}

package workflows

import (
	"errors"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// WaveInput starts a Wave.
type WaveInput struct {
	Run    activities.Run      `json:"run"`
	Wave   activities.WavePlan `json:"wave"`
	Reboot fleet.RebootOption  `json:"reboot"`
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
}

// waveID is the workflow ID of a run's n-th wave.
func waveID(parent string, n int) string { return parent + "/wave-" + strconv.Itoa(n) }

// Wave installs, reboots and verifies the batches of one wave, a bounded
// number at a time, between batches honouring pause, cancel, the error
// budget, the window's cutoff and the approval's expiry. A failed check
// before an install stops the wave at once.
func Wave(ctx workflow.Context, in WaveInput) (WaveResult, error) {
	// Waves recorded before input validation replay without it.
	if workflow.GetVersion(ctx, changeSignedApprovals, workflow.DefaultVersion, 1) != workflow.DefaultVersion {
		if err := validateWave(ctx, in); err != nil {
			return WaveResult{}, err
		}
	}
	ctl := newControl(ctx, nil)
	t := in.Tuning.withDefaults()
	res := WaveResult{Wave: in.Wave.Index}
	stop := func() bool {
		switch {
		case ctl.cancelled:
			res.StoppedBy = StatusCancelled
		case res.Failure != "":
			res.StoppedBy = StatusFailed
		case res.Outcome.Failed > in.ErrorBudget:
			res.StoppedBy = StatusHalted
		case workflow.Now(ctx).After(in.LastStart):
			res.StoppedBy = StatusWindowClosed
		case !in.ApprovalExpires.IsZero() && !workflow.Now(ctx).Before(in.ApprovalExpires):
			res.StoppedBy = StatusExpired
		default:
			return false
		}
		return true
	}
	// Started batches run to their settled outcome even when the workflow
	// is cancelled (a cancel stops new batches, never a half-done one).
	bctx, _ := workflow.NewDisconnectedContext(ctx)
	err := forEachBounded(ctx, bctx, in.Wave.Batches, t.BatchParallelism, func() bool { return !ctl.paused }, stop,
		func(gctx workflow.Context, batch int) {
			res.BatchesRun++
			out, failure := runBatch(gctx, in, t, batch)
			res.Outcome.Add(out)
			if failure != "" && res.Failure == "" {
				res.Failure = failure
			}
		})
	if err != nil || ctx.Err() != nil {
		res.StoppedBy = StatusCancelled
	}
	if res.Failure != "" {
		res.StoppedBy = StatusFailed
	}
	return res, nil
}

// runBatch installs one batch, waits for its rebooted instances and
// verifies it. Every instance of the batch ends with a settled outcome.
// It returns the failed check's message when the install refused to act.
func runBatch(ctx workflow.Context, in WaveInput, t Tuning, batch int) (activities.BatchOutcome, string) {
	log := workflow.GetLogger(ctx)
	bi := activities.BatchInput{Run: in.Run, Wave: in.Wave.Index, Batch: batch, Reboot: in.Reboot, Deadline: in.Deadline, Digest: in.Digest}
	var ir activities.InstallBatchResult
	failure := ""
	if err := workflow.ExecuteActivity(batchCtx(ctx, t), a.InstallBatch, bi).Get(ctx, &ir); err != nil {
		log.Error("install batch failed", "wave", in.Wave.Index, "batch", batch, "error", err)
		bi.InstallError = "install failed: " + err.Error()
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == activities.ErrIntegrity {
			failure = appErr.Message()
		}
	} else if len(ir.Rebooted) > 0 {
		wi := activities.WaitReadyInput{BatchInput: bi, Instances: ir.Rebooted, Timeout: t.RebootTimeout}
		if err := workflow.ExecuteActivity(rebootCtx(ctx, t), a.WaitReadyBatch, wi).Get(ctx, nil); err != nil {
			log.Error("waiting for reboots failed", "wave", in.Wave.Index, "batch", batch, "error", err)
		}
	}
	var out activities.BatchOutcome
	if err := workflow.ExecuteActivity(batchCtx(ctx, t), a.VerifyBatch, bi).Get(ctx, &out); err != nil {
		// Settle the batch without a scan, so every instance has a
		// recorded outcome (failed, unverified) that RetryFailed can take.
		log.Error("verify batch failed; settling it as unverified", "wave", in.Wave.Index, "batch", batch, "error", err)
		bi.VerifyError = err.Error()
		if err := workflow.ExecuteActivity(shortCtx(ctx, t), a.VerifyBatch, bi).Get(ctx, &out); err != nil {
			log.Error("settling batch failed", "wave", in.Wave.Index, "batch", batch, "error", err)
			out = activities.BatchOutcome{Failed: batchSize(in.Wave, batch)}
		}
	}
	return out, failure
}

// batchSize is the number of instances in one batch of a wave: plans fill
// batches of fleet.MaxBatch in order.
func batchSize(w activities.WavePlan, batch int) int {
	return max(0, min(fleet.MaxBatch, w.Instances-batch*fleet.MaxBatch))
}

package workflows

import (
	"time"

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
	ErrorBudget int    `json:"errorBudget"`
	Tuning      Tuning `json:"tuning"`
}

// WaveResult counts a wave's outcomes.
type WaveResult struct {
	Wave       int                     `json:"wave"`
	Outcome    activities.BatchOutcome `json:"outcome"`
	BatchesRun int                     `json:"batchesRun"`
	// StoppedBy is set when the wave stopped starting batches: cancelled,
	// halted or window-closed.
	StoppedBy Status `json:"stoppedBy,omitempty"`
}

// Wave installs, reboots and verifies the batches of one wave, a bounded
// number at a time, between batches honouring pause, cancel, the error
// budget and the window's cutoff.
func Wave(ctx workflow.Context, in WaveInput) (WaveResult, error) {
	ctl := newControl(ctx, nil)
	t := in.Tuning.withDefaults()
	res := WaveResult{Wave: in.Wave.Index}
	running := 0
	// Started batches run to their settled outcome even when the workflow
	// is cancelled (a cancel stops new batches, never a half-done one).
	bctx, _ := workflow.NewDisconnectedContext(ctx)
	for b := 0; b < in.Wave.Batches; b++ {
		err := workflow.Await(ctx, func() bool { return (running < t.BatchParallelism && !ctl.paused) || ctl.cancelled })
		if err != nil {
			res.StoppedBy = StatusCancelled
			break
		}
		if ctl.cancelled {
			res.StoppedBy = StatusCancelled
			break
		}
		if res.Outcome.Failed > in.ErrorBudget {
			res.StoppedBy = StatusHalted
			break
		}
		if workflow.Now(ctx).After(in.LastStart) {
			res.StoppedBy = StatusWindowClosed
			break
		}
		running++
		res.BatchesRun++
		batch := b
		workflow.Go(bctx, func(gctx workflow.Context) {
			defer func() { running-- }()
			res.Outcome.Add(runBatch(gctx, in, t, batch))
		})
	}
	if err := workflow.Await(bctx, func() bool { return running == 0 }); err != nil {
		return res, err
	}
	if ctx.Err() != nil {
		res.StoppedBy = StatusCancelled
	}
	return res, nil
}

// runBatch installs one batch, waits for its rebooted instances and
// verifies it. Every instance of the batch ends with a settled outcome.
func runBatch(ctx workflow.Context, in WaveInput, t Tuning, batch int) activities.BatchOutcome {
	log := workflow.GetLogger(ctx)
	bi := activities.BatchInput{Run: in.Run, Wave: in.Wave.Index, Batch: batch, Reboot: in.Reboot, Deadline: in.Deadline}
	var ir activities.InstallBatchResult
	if err := workflow.ExecuteActivity(batchCtx(ctx, t), a.InstallBatch, bi).Get(ctx, &ir); err != nil {
		log.Error("install batch failed", "wave", in.Wave.Index, "batch", batch, "error", err)
		bi.InstallError = "install failed: " + err.Error()
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
	return out
}

// batchSize is the number of instances in one batch of a wave: plans fill
// batches of fleet.MaxBatch in order.
func batchSize(w activities.WavePlan, batch int) int {
	return max(0, min(fleet.MaxBatch, w.Instances-batch*fleet.MaxBatch))
}

package workflows

import "go.temporal.io/sdk/workflow"

// legacyParallelism is how many batches ran at once before
// changeConcurrency, whatever the policy said.
const legacyParallelism = 10

// parallelism is how many of n batches run at once: set when the tuning
// sets it; otherwise all n, up to maxParallelism (a wave is the policy's
// maxConcurrency instances, and a scan is paced by the providers' rate
// limits), or, for runs recorded before changeConcurrency, 10.
func parallelism(ctx workflow.Context, set, n int) int {
	if set > 0 {
		return set
	}
	if workflow.GetVersion(ctx, changeConcurrency, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return legacyParallelism
	}
	return max(1, min(n, maxParallelism))
}

// forEachBounded runs body(i) for i in [0, n) in workflow goroutines, at
// most limit at a time, in order. Before starting i it waits for a free
// slot that ready(i) allows (nil: always) or for stop; once stop holds it
// starts nothing more. started(i), when set, is called as i starts, before
// the next readiness check (a goroutine runs only when the loop waits).
// The goroutines run on runCtx (a disconnected context lets started work
// finish after a cancellation); waits use ctx. It returns when every
// started body has returned, or ctx's error.
func forEachBounded(ctx, runCtx workflow.Context, n, limit int, ready func(i int) bool, started func(i int), stop func() bool,
	body func(workflow.Context, int)) error {
	running := 0
	var err error
	for i := 0; i < n; i++ {
		err = workflow.Await(ctx, func() bool { return (running < limit && (ready == nil || ready(i))) || stop() })
		if err != nil || stop() {
			break
		}
		running++
		if started != nil {
			started(i)
		}
		workflow.Go(runCtx, func(gctx workflow.Context) {
			defer func() { running-- }()
			body(gctx, i)
		})
	}
	if werr := workflow.Await(runCtx, func() bool { return running == 0 }); werr != nil {
		return werr
	}
	return err
}

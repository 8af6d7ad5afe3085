package workflows

import "go.temporal.io/sdk/workflow"

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

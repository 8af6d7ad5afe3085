package workflows

import "go.temporal.io/sdk/workflow"

// forEachBounded runs body(i) for i in [0, n) in workflow goroutines, at
// most limit at a time, in order. Before each start it waits for a free
// slot that ready allows (nil: always) or for stop; once stop holds it
// starts nothing more. The goroutines run on runCtx (a disconnected context
// lets started work finish after a cancellation); waits use ctx. It
// returns when every started body has returned, or ctx's error.
func forEachBounded(ctx, runCtx workflow.Context, n, limit int, ready, stop func() bool, body func(workflow.Context, int)) error {
	running := 0
	var err error
	for i := 0; i < n; i++ {
		err = workflow.Await(ctx, func() bool { return (running < limit && (ready == nil || ready())) || stop() })
		if err != nil || stop() {
			break
		}
		running++
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

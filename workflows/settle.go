package workflows

import (
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// settle ends a PatchCycle or RetryFailed run after its phases: cancelled
// when the workflow was cancelled (the report is written on a disconnected
// context), failed when the phases failed (the report says what was done
// and why, then the workflow fails with the error), and otherwise with
// status. failure receives the error's text for the report.
func settle(ctx workflow.Context, status Status, err error, failure *string,
	finish func(workflow.Context, Status) (CycleResult, error)) (CycleResult, error) {
	switch {
	case ctx.Err() != nil:
		ctx, _ = workflow.NewDisconnectedContext(ctx)
		return finish(ctx, StatusCancelled)
	case failed(err):
		workflow.GetLogger(ctx).Error("run failed", "error", err)
		*failure = err.Error()
		if _, rerr := finish(ctx, StatusFailed); rerr != nil {
			workflow.GetLogger(ctx).Error("report of the failed run", "error", rerr)
		}
		return CycleResult{}, err
	}
	return finish(ctx, status)
}

// failed reports whether err is a failure rather than a cancellation.
func failed(err error) bool {
	return err != nil && !errors.Is(err, workflow.ErrCanceled) && !temporal.IsCanceledError(err)
}

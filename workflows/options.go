package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
)

// a names the activities; the worker registers a real *Activities.
var a *activities.Activities

func retryPolicy(t Tuning, attempts int32) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        t.RetryInterval,
		BackoffCoefficient:     2,
		MaximumInterval:        5 * time.Minute,
		MaximumAttempts:        attempts,
		NonRetryableErrorTypes: []string{activities.ErrBadInput},
	}
}

// shortCtx is for activities that read policy or the store, or plan.
func shortCtx(ctx workflow.Context, t Tuning) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy:         retryPolicy(t, 20),
	})
}

// batchCtx is for batch activities that drive instances; they heartbeat.
func batchCtx(ctx workflow.Context, t Tuning) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: t.BatchTimeout,
		HeartbeatTimeout:    t.HeartbeatTimeout,
		RetryPolicy:         retryPolicy(t, 10),
	})
}

// rebootCtx is for waiting on reboots.
func rebootCtx(ctx workflow.Context, t Tuning) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: t.RebootTimeout + 5*time.Minute,
		HeartbeatTimeout:    t.HeartbeatTimeout,
		RetryPolicy:         retryPolicy(t, 5),
	})
}

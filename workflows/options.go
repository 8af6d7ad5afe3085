package workflows

import (
	"github.com/fleetpatch/fleetpatch/policy"
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
		NonRetryableErrorTypes: []string{activities.ErrBadInput, activities.ErrIntegrity},
	}
}

// shortCtx is for activities that read policy or the store, or plan.
func shortCtx(ctx workflow.Context, t Tuning) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy:         retryPolicy(t, 20),
	})
}

// bulkCtx is for the activities that read or write a whole group's
// artifacts at once (discovery, the manifest, the plan, the report): an
// hour, for 100,000 servers, with heartbeats so that a dead worker is
// noticed within the heartbeat timeout.
func bulkCtx(ctx workflow.Context, t Tuning) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		HeartbeatTimeout:    t.HeartbeatTimeout,
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

// installGrace is how long an install activity may outlast the window's
// end: the providers stop their cloud's install at the deadline and then
// read its results.
const installGrace = 30 * time.Minute

// installCtx is for install batches: the activity's timeout is derived from
// the window (the deadline plus a grace, so it always exceeds the
// provider's own wait), and every retry ends within an hour of the
// window's end. After the cutoff a retry resumes an install an earlier
// attempt started, or reports the window closed; it never starts one.
func installCtx(ctx workflow.Context, t Tuning, deadline time.Time) workflow.Context {
	if deadline.IsZero() {
		return batchCtx(ctx, t)
	}
	left := deadline.Sub(workflow.Now(ctx))
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    max(left, 0) + installGrace,
		ScheduleToCloseTimeout: max(left, 0) + 2*installGrace,
		HeartbeatTimeout:       t.HeartbeatTimeout,
		RetryPolicy:            retryPolicy(t, 10),
	})
}

// healthCtx is for the health gates: each gate has its own timeout (at
// most an hour); checks are retried a few times.
func healthCtx(ctx workflow.Context, t Tuning) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:    t.HeartbeatTimeout + time.Hour,
		RetryPolicy:         retryPolicy(t, 3),
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

// hookCtx is for one stage of hooks on a batch: as long as its hooks'
// timeouts together plus a margin, heartbeating, retried a few times
// (hooks must be safe to repeat).
func hookCtx(ctx workflow.Context, t Tuning, hooks []policy.Hook) workflow.Context {
	total := 5 * time.Minute
	for _, h := range hooks {
		total += h.TimeoutOrDefault()
	}
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: total,
		HeartbeatTimeout:    t.HeartbeatTimeout,
		RetryPolicy:         retryPolicy(t, 3),
	})
}

package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
)

// Workflow inputs come from anyone with write access to the namespace, so
// each workflow validates what it is started with before it does
// anything, and fails without retries on input it cannot use. Artifact
// keys, report paths and child IDs are built from validated parts only.

// maxParallelism bounds the tuning's parallelism: Temporal refuses a
// workflow task that schedules more than 2,000 activities.
const maxParallelism = 500

// validate checks the tuning's bounds (zero values take defaults).
func (t Tuning) validate() error {
	for _, p := range []struct {
		name string
		v    int
	}{{"scanParallelism", t.ScanParallelism}, {"batchParallelism", t.BatchParallelism}} {
		if p.v < 0 || p.v > maxParallelism {
			return fmt.Errorf("tuning.%s %d is not between 0 and %d", p.name, p.v, maxParallelism)
		}
	}
	for _, d := range []struct {
		name     string
		v        time.Duration
		min, max time.Duration
	}{
		{"heartbeatTimeout", t.HeartbeatTimeout, time.Second, time.Hour},
		{"batchTimeout", t.BatchTimeout, time.Second, 24 * time.Hour},
		{"rebootTimeout", t.RebootTimeout, time.Second, 24 * time.Hour},
		{"retryInterval", t.RetryInterval, time.Millisecond, time.Hour},
		{"lockRetry", t.LockRetry, time.Second, time.Hour},
	} {
		if d.v != 0 && (d.v < d.min || d.v > d.max) {
			return fmt.Errorf("tuning.%s %s is not between %s and %s", d.name, d.v, d.min, d.max)
		}
	}
	return nil
}

// firstRunID is the run ID that stays the same across resets and
// continue-as-new: artifact keys use it. (The SDK's test environment leaves
// FirstRunID empty; its run ID stands in.)
func firstRunID(ctx workflow.Context) string {
	info := workflow.GetInfo(ctx)
	if info.FirstRunID != "" {
		return info.FirstRunID
	}
	return info.WorkflowExecution.RunID
}

// validateRun checks a run and that the workflow runs under the run's
// canonical ID, so that Temporal's one-running-workflow-per-ID rule makes
// it the only running cycle (or retry) of its group and week.
func validateRun(ctx workflow.Context, run activities.Run, t Tuning) error {
	if err := run.Validate(); err != nil {
		return workflowBadInput("%v", err)
	}
	if id := workflow.GetInfo(ctx).WorkflowExecution.ID; id != run.WorkflowID() {
		return workflowBadInput("this workflow must run as %s, not %q", run.WorkflowID(), id)
	}
	if err := t.validate(); err != nil {
		return workflowBadInput("%v", err)
	}
	return nil
}

// validateWave checks that a Wave runs as the child it claims to be:
// started by its cycle's (or retry's) workflow, under <parent>/wave-<n>.
// A Wave started by hand could otherwise install a stored batch plan
// outside the cycle's window and control.
func validateWave(ctx workflow.Context, in WaveInput) error {
	info := workflow.GetInfo(ctx)
	if err := in.Run.Validate(); err != nil {
		return workflowBadInput("%v", err)
	}
	parent := info.ParentWorkflowExecution
	if parent == nil || parent.ID != in.Run.WorkflowID() {
		return workflowBadInput("a Wave runs only as a child of %s", in.Run.WorkflowID())
	}
	if want := waveID(in.Run.WorkflowID(), in.Wave.Index); info.WorkflowExecution.ID != want {
		return workflowBadInput("this wave must run as %s, not %q", want, info.WorkflowExecution.ID)
	}
	if in.Digest == "" {
		return workflowBadInput("a Wave needs the manifest digest it installs")
	}
	if err := in.Tuning.validate(); err != nil {
		return workflowBadInput("%v", err)
	}
	return nil
}

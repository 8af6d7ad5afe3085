package workflows

import (
	"strconv"

	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
)

// ScanWorkflow scans a range of a cycle's target batches, as a child of
// the cycle (…/scan-<n>).
const ScanWorkflow = "Scan"

// scanChildBatches is how many target batches one Scan child scans:
// 10,000 servers in batches of 50, about 1,200 events of its history
// (6 per batch, more with failures). A variable so tests can make it small.
var scanChildBatches = 200

// ScanInput starts a Scan child: batches First to First+Count-1 of Run;
// Paused starts it paused (the cycle forwards pause and resume later).
type ScanInput struct {
	Run    activities.Run `json:"run"`
	First  int            `json:"first"`
	Count  int            `json:"count"`
	Paused bool           `json:"paused,omitempty"`
	Tuning Tuning         `json:"tuning"`
}

// scanID is the workflow ID of a cycle's n-th scan child.
func scanID(parent string, n int) string { return parent + "/scan-" + strconv.Itoa(n) }

// Scan runs the scan batches of its range, honouring the pause, resume and
// cancel signals the cycle forwards, and returns the counts. A batch that
// keeps failing is recorded as failed scans.
func Scan(ctx workflow.Context, in ScanInput) (activities.ScanBatchResult, error) {
	var total activities.ScanBatchResult
	if err := validateScan(ctx, in); err != nil {
		return total, err
	}
	ctl := newControl(ctx, nil)
	ctl.paused = in.Paused
	err := scanRange(ctx, in.Run, in.Tuning.withDefaults(), in.First, in.Count, ctl, true, func(r activities.ScanBatchResult) {
		total.Scanned += r.Scanned
		total.Failed += r.Failed
	})
	return total, err
}

// validateScan refuses a Scan that is not its cycle's child or whose range
// is not one a cycle would ask for: inputs come from anyone with write
// access to the namespace.
func validateScan(ctx workflow.Context, in ScanInput) error {
	if err := in.Run.Validate(); err != nil {
		return workflowBadInput("%v", err)
	}
	if err := in.Tuning.validate(); err != nil {
		return workflowBadInput("%v", err)
	}
	info := workflow.GetInfo(ctx)
	if p := info.ParentWorkflowExecution; p == nil || p.ID != in.Run.WorkflowID() {
		return workflowBadInput("a Scan runs only as a child of %s", in.Run.WorkflowID())
	}
	if in.First < 0 || in.First%scanChildBatches != 0 || in.Count < 1 || in.Count > scanChildBatches {
		return workflowBadInput("scan range %d+%d is not a cycle's", in.First, in.Count)
	}
	if want := scanID(in.Run.WorkflowID(), in.First/scanChildBatches); info.WorkflowExecution.ID != want {
		return workflowBadInput("this scan must run as %s, not %q", want, info.WorkflowExecution.ID)
	}
	return nil
}

// scanRange runs batches first..first+count-1 with bounded parallelism; a
// cancel stops starting new ones and, when holdOnPause, pause holds them.
// A batch that keeps failing is recorded as failed scans: one unreachable
// account must not stop the whole group. add receives each batch's counts.
func scanRange(ctx workflow.Context, run activities.Run, t Tuning, first, count int, ctl *control, holdOnPause bool,
	add func(activities.ScanBatchResult)) error {
	actx := batchCtx(ctx, t)
	var firstErr error
	stop := func() bool { return ctl.cancelled || firstErr != nil }
	var ready func(int) bool
	if holdOnPause {
		ready = func(int) bool { return !ctl.paused }
	}
	limit := parallelism(ctx, t.ScanParallelism, count)
	err := forEachBounded(ctx, ctx, count, limit, ready, nil, stop, func(gctx workflow.Context, i int) {
		var r activities.ScanBatchResult
		in := activities.ScanBatchInput{Run: run, Batch: first + i}
		if err := workflow.ExecuteActivity(actx, a.ScanBatch, in).Get(gctx, &r); err != nil {
			workflow.GetLogger(gctx).Error("scan batch failed; recording it as failed scans", "batch", first+i, "error", err)
			in.FailedWith = err.Error()
			if err := workflow.ExecuteActivity(shortCtx(gctx, t), a.ScanBatch, in).Get(gctx, &r); err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
		}
		add(r)
	})
	if err != nil {
		return err
	}
	return firstErr
}

package workflows

import "go.temporal.io/sdk/workflow"

// control holds the pause, resume and cancel signals' effect, and forwards
// them to the running wave or scans so they take effect between batches.
type control struct {
	paused    bool
	cancelled bool
	// children are the running wave or scans, if any.
	children []workflow.ChildWorkflowFuture
	status   *CycleStatus
}

// newControl starts one goroutine per control signal.
//
// Signals that arrive in the same workflow task reach their goroutines in
// the order the goroutines were created, not the order they were sent. The
// order below makes that ambiguity safe: resume is applied before pause (a
// resume and a pause together leave the cycle paused, and it says so), and
// cancel, which is final, last.
func newControl(ctx workflow.Context, status *CycleStatus) *control {
	c := &control{status: status}
	for _, name := range []string{ResumeSignal, PauseSignal, CancelSignal} {
		ch := workflow.GetSignalChannel(ctx, name)
		workflow.Go(ctx, func(ctx workflow.Context) {
			for {
				var in ControlInput
				ch.Receive(ctx, &in)
				c.apply(ctx, name, in)
			}
		})
	}
	return c
}

func (c *control) apply(ctx workflow.Context, name string, in ControlInput) {
	workflow.GetLogger(ctx).Info("control signal", "signal", name, "by", in.By, "reason", in.Reason)
	switch name {
	case PauseSignal:
		c.paused = true
	case ResumeSignal:
		c.paused = false
	case CancelSignal:
		c.cancelled = true
	}
	if c.status != nil {
		c.status.Paused = c.paused
	}
	for _, child := range c.children {
		// The child may have just finished; a failed forward is harmless.
		child.SignalChildWorkflow(ctx, name, in)
	}
}

// mayStart blocks while paused and reports whether new work may start.
func (c *control) mayStart(ctx workflow.Context) (bool, error) {
	if err := workflow.Await(ctx, func() bool { return !c.paused || c.cancelled }); err != nil {
		return false, err
	}
	return !c.cancelled, nil
}

package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// scheduledStartKey is the search attribute Temporal sets on workflows that
// a schedule starts.
var scheduledStartKey = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// CycleOf returns the ISO week of t, e.g. "2026-W48": the cycle's ID.
func CycleOf(t time.Time) string {
	y, w := t.UTC().ISOWeek()
	return fmt.Sprintf("%d-W%02d", y, w)
}

// cycleID is the input's cycle, or the week of the schedule's start time,
// or the week of the workflow's start.
func cycleID(ctx workflow.Context, in CycleInput) string {
	if in.Cycle != "" {
		return in.Cycle
	}
	return CycleOf(startTime(ctx))
}

// startTime is the schedule's TemporalScheduledStartTime, or the
// workflow's start time when no schedule started it.
func startTime(ctx workflow.Context) time.Time {
	if t, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartKey); ok {
		return t
	}
	return workflow.GetInfo(ctx).WorkflowStartTime
}

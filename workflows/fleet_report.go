package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
)

// FleetReportWorkflow is the weekly roll-up of every group's report of one
// cycle.
const FleetReportWorkflow = "FleetReport"

// FleetReportWorkflowID returns the ID of a cycle's roll-up:
// fleet-report/<cycle>.
func FleetReportWorkflowID(cycle string) string { return "fleet-report/" + cycle }

// FleetReportInput starts a FleetReport.
type FleetReportInput struct {
	// Cycle is the ISO week, e.g. 2026-W48. Empty: the week of the
	// schedule's TemporalScheduledStartTime, or of the workflow's start.
	Cycle string `json:"cycle,omitempty"`
	// WeeksBack, with Cycle empty, reports the cycle that many weeks before
	// the scheduled start: a schedule that runs after the next week's
	// approval windows uses 1.
	WeeksBack int `json:"weeksBack,omitempty"`
}

// FleetReport writes the fleet roll-up of a cycle (an activity reads the
// groups' reports and writes the roll-up to the report directory and the
// destinations) and returns where it is. It carries only the reference.
func FleetReport(ctx workflow.Context, in FleetReportInput) (activities.FleetReportRef, error) {
	if in.WeeksBack < 0 || in.WeeksBack > 53 {
		return activities.FleetReportRef{}, workflowBadInput("weeksBack %d is not between 0 and 53", in.WeeksBack)
	}
	cycle := in.Cycle
	if cycle == "" {
		cycle = CycleOf(startTime(ctx).AddDate(0, 0, -7*in.WeeksBack))
	}
	if err := activities.ValidateCycle(cycle); err != nil {
		return activities.FleetReportRef{}, workflowBadInput("%v", err)
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumAttempts: 20, NonRetryableErrorTypes: []string{activities.ErrBadInput}},
	})
	var ref activities.FleetReportRef
	err := workflow.ExecuteActivity(actx, a.WriteFleetReport, activities.FleetReportInput{Cycle: cycle}).Get(ctx, &ref)
	return ref, err
}

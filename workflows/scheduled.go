package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
)

// ScheduledCycleWorkflow is the workflow a group's schedule starts.
const ScheduledCycleWorkflow = "ScheduledCycle"

// ScheduledInput is the schedule action's input.
type ScheduledInput struct {
	Group string `json:"group"`
}

// ScheduledCycle starts the group's PatchCycle for the week of the
// schedule's TemporalScheduledStartTime under its canonical ID,
// patch-cycle/<group>/<cycle>, and returns that ID. Schedules add a
// timestamp to the IDs of the workflows they start; this hop keeps one
// cycle per group and week whatever starts it (a second start that week
// finds the cycle there and does nothing).
func ScheduledCycle(ctx workflow.Context, in ScheduledInput) (string, error) {
	if err := activities.ValidateGroup(in.Group); err != nil {
		return "", workflowBadInput("%v", err)
	}
	cycle := cycleID(ctx, CycleInput{})
	id := WorkflowID(in.Group, cycle)
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            id,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(PatchGroupKey.ValueSet(in.Group), PatchCycleKey.ValueSet(cycle)),
	})
	fut := workflow.ExecuteChildWorkflow(cctx, PatchCycleWorkflow, CycleInput{Group: in.Group, Cycle: cycle})
	err := fut.GetChildWorkflowExecution().Get(ctx, nil)
	if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		workflow.GetLogger(ctx).Info("cycle already started", "workflowID", id)
		return id, nil
	}
	return id, err
}

package workflows

import (
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
)

// RestoreWorkflow rolls an instance back to the disk snapshots a cycle
// took before installing (`starter restore --apply`): one activity on a
// worker, which holds the cloud credentials.
const RestoreWorkflow = "Restore"

// RestoreWorkflowID is the ID of an instance's restore:
// restore/<group>/<cycle>/<instance>, the instance's '/' replaced by '_'
// (Azure resource IDs).
func RestoreWorkflowID(group, cycle, instanceID string) string {
	return "restore/" + group + "/" + cycle + "/" + strings.Trim(strings.ReplaceAll(instanceID, "/", "_"), "_")
}

// Restore validates the input and runs activities.Activities.RestoreInstance
// once, with heartbeats. The activity may be retried (up to 3 attempts):
// its provider call is keyed by the workflow run (fleet.WithCallKey), so a
// retry finds the replacement task the earlier attempt started (EC2
// ClientToken) instead of restoring twice. Bad input and a cloud that
// cannot restore are not retried.
func Restore(ctx workflow.Context, in activities.RestoreInput) (activities.RestoreResult, error) {
	if err := activities.ValidateGroup(in.Group); err != nil {
		return activities.RestoreResult{}, workflowBadInput("%v", err)
	}
	if err := activities.ValidateCycle(in.Cycle); err != nil {
		return activities.RestoreResult{}, workflowBadInput("%v", err)
	}
	if in.InstanceID == "" {
		return activities.RestoreResult{}, workflowBadInput("no instance to restore")
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		HeartbeatTimeout:    2 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumAttempts: 3,
			NonRetryableErrorTypes: []string{activities.ErrBadInput, activities.ErrPermanent, activities.ErrRestoreNotAvailable}},
	})
	var res activities.RestoreResult
	err := workflow.ExecuteActivity(actx, a.RestoreInstance, in).Get(ctx, &res)
	return res, err
}

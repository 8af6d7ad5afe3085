package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
)

// DoctorWorkflow runs the pre-flight check on a group now (`starter
// doctor`): one activity on a worker, which holds the cloud credentials.
const DoctorWorkflow = "Doctor"

// DoctorWorkflowID is the ID of a group's doctor run.
func DoctorWorkflowID(group string) string { return "doctor/" + group }

// Doctor discovers the group and checks every instance (see
// activities.Activities.Doctor).
func Doctor(ctx workflow.Context, in activities.DoctorInput) (activities.DoctorResult, error) {
	if err := activities.ValidateGroup(in.Group); err != nil {
		return activities.DoctorResult{}, workflowBadInput("%v", err)
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Hour,
		HeartbeatTimeout:    2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumAttempts: 3, NonRetryableErrorTypes: []string{activities.ErrBadInput}},
	})
	var res activities.DoctorResult
	err := workflow.ExecuteActivity(actx, a.Doctor, in).Get(ctx, &res)
	return res, err
}

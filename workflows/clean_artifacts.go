package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
)

// CleanArtifactsWorkflow removes the artifacts of cycles older than the
// retention; `schedules sync` runs it daily.
const CleanArtifactsWorkflow = "CleanArtifacts"

// CleanArtifactsWorkflowID is the ID of a manual clean-up (the schedule
// gives its runs their own IDs).
const CleanArtifactsWorkflowID = "clean-artifacts"

// CleanArtifactsInput starts a CleanArtifacts: keep RetainDays days after a
// cycle's week ends (0: activities.DefaultRetainDays).
type CleanArtifactsInput struct {
	RetainDays int `json:"retainDays,omitempty"`
}

// CleanArtifacts runs the clean-up as one heartbeating activity, retried
// until it has listed and deleted everything past the retention.
func CleanArtifacts(ctx workflow.Context, in CleanArtifactsInput) (activities.CleanArtifactsResult, error) {
	days := in.RetainDays
	if days == 0 {
		days = activities.DefaultRetainDays
	}
	if days < activities.MinRetainDays || days > activities.MaxRetainDays {
		return activities.CleanArtifactsResult{}, workflowBadInput("retainDays %d is not between %d and %d",
			days, activities.MinRetainDays, activities.MaxRetainDays)
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Hour,
		HeartbeatTimeout:    2 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 30 * time.Second, MaximumAttempts: 10, NonRetryableErrorTypes: []string{activities.ErrBadInput}},
	})
	var res activities.CleanArtifactsResult
	err := workflow.ExecuteActivity(actx, a.CleanArtifacts, activities.CleanArtifactsInput{RetainDays: days}).Get(ctx, &res)
	return res, err
}

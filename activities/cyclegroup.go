package activities

import (
	"context"
	"strings"

	"go.temporal.io/sdk/activity"
)

// CycleGroup returns the patch group of the cycle whose activity runs with
// ctx, read from the workflow ID (patch-cycle/<group>/<cycle>[/...]), or ""
// outside a cycle's activity. Providers that need the group's policy (the
// AWS provider passes the group's baselines to AWS-RunPatchBaseline) use it.
func CycleGroup(ctx context.Context) string {
	if !activity.IsActivity(ctx) {
		return ""
	}
	rest, ok := strings.CutPrefix(activity.GetInfo(ctx).WorkflowExecution.ID, "patch-cycle/")
	if !ok {
		return ""
	}
	group, _, _ := strings.Cut(rest, "/")
	return group
}

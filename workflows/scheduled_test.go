package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// A schedule's run starts the cycle of the week of its scheduled time under
// the canonical ID, whatever ID the schedule gave the run itself.
func TestScheduledCycleStartsTheWeeksCanonicalCycle(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(ScheduledCycle, workflow.RegisterOptions{Name: ScheduledCycleWorkflow})
	var started CycleInput
	var startedID string
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in CycleInput) (CycleResult, error) {
		started, startedID = in, workflow.GetInfo(ctx).WorkflowExecution.ID
		return CycleResult{}, nil
	}, workflow.RegisterOptions{Name: PatchCycleWorkflow})
	// Sunday 29 November 2026 01:00 Berlin is in ISO week 48.
	at := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	require.NoError(t, env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(scheduledStartKey.ValueSet(at))))
	env.ExecuteWorkflow(ScheduledCycleWorkflow, ScheduledInput{Group: "prod-auto"})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var id string
	require.NoError(t, env.GetWorkflowResult(&id))
	require.Equal(t, "patch-cycle/prod-auto/2026-W48", id)
	require.Equal(t, id, startedID)
	require.Equal(t, CycleInput{Group: "prod-auto", Cycle: "2026-W48"}, started)
}

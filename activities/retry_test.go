package activities

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
)

// A retry is refused while an earlier retry of the cycle has not finished:
// both would install on the same instances at once.
func TestPlanRetryRefusesWhileAnEarlierRetryRuns(t *testing.T) {
	ctx := context.Background()
	a, base, m := newCheckedRun(t)
	require.NoError(t, putJSON(ctx, a.Store, base.recordKey(), ReportInput{Run: base, All: true}))
	require.NoError(t, putJSON(ctx, a.Store, base.outcomesKey(), []outcome{{ID: "i-1", Outcome: "failed"}}))
	// retry-1 was started (it has a plan) but has no outcomes yet.
	retry2 := base
	retry2.Retry = 2
	_, err := a.PlanRetry(ctx, PlanRetryInput{Run: retry2, Approved: Approved{Digest: m.Digest, All: true}})
	require.ErrorContains(t, err, "retry 1 of cycle g/2026-W48 has not finished")
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.True(t, appErr.NonRetryable())
}

package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/fleetpatch/fleetpatch/activities"
)

// The clean-up removes whole group cycles whose week ended more than the
// retention ago (their Azure resume tokens too), keeps the recent ones and
// leaves keys it does not recognise alone; run again, it removes nothing.
func TestCleanArtifactsRemovesCyclesPastTheRetention(t *testing.T) {
	ctx := context.Background()
	store := activities.DirStore{Root: t.TempDir()}
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC) // Thursday of 2026-W49
	keys := []string{
		"cycles/prod-auto/2026-W40/run-a/manifest.json",
		"cycles/prod-auto/2026-W40/latest.json",
		"cycles/prod-auto/2026-W45/run-b/waves/000/0000.result.json", // ended 2026-11-09: 24 days ago
		"cycles/prod-sensitive/2026-W45/run-c/azure-operations/0f0f",
		"cycles/prod-auto/2026-W47/run-d/manifest.json", // ended 2026-11-23: 10 days ago
		"cycles/prod-auto/2026-W49/run-e/plan.json",     // this week
		"cycles/prod-auto/not-a-week/x.json",
		"locks/rollout/prod-auto",
	}
	for _, k := range keys {
		require.NoError(t, store.Put(ctx, k, []byte("{}")))
	}
	acts := &activities.Activities{Store: store, Now: func() time.Time { return now }}
	run := func(in CleanArtifactsInput) (activities.CleanArtifactsResult, error) {
		var ts testsuite.WorkflowTestSuite
		env := ts.NewTestWorkflowEnvironment()
		Register(env, acts)
		env.ExecuteWorkflow(CleanArtifactsWorkflow, in)
		var res activities.CleanArtifactsResult
		if err := env.GetWorkflowError(); err != nil {
			return res, err
		}
		require.NoError(t, env.GetWorkflowResult(&res))
		return res, nil
	}

	res, err := run(CleanArtifactsInput{RetainDays: 14})
	require.NoError(t, err)
	require.Equal(t, []string{"prod-auto/2026-W40", "prod-auto/2026-W45", "prod-sensitive/2026-W45"}, res.Cycles)
	require.Equal(t, 4, res.Objects)
	require.Equal(t, 2, res.Kept)
	require.Equal(t, 1, res.Unknown)
	left, err := store.List(ctx, "cycles")
	require.NoError(t, err)
	require.Equal(t, []string{"cycles/prod-auto/2026-W47/run-d/manifest.json", "cycles/prod-auto/2026-W49/run-e/plan.json",
		"cycles/prod-auto/not-a-week/x.json"}, left)
	_, err = store.Get(ctx, "locks/rollout/prod-auto")
	require.NoError(t, err, "only cycles/ is cleaned")

	res, err = run(CleanArtifactsInput{RetainDays: 14})
	require.NoError(t, err)
	require.Zero(t, res.Objects, "a second run finds nothing to remove")

	res, err = run(CleanArtifactsInput{})
	require.NoError(t, err)
	require.Equal(t, 2, res.Kept, "the default (35 days) keeps W47 and W49")

	_, err = run(CleanArtifactsInput{RetainDays: 3})
	require.ErrorContains(t, err, "retainDays 3 is not between 14 and 3660")
}

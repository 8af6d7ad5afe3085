package workflows

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// replayAs replays the stored PatchCycle history of the current corpus
// with fn registered as PatchCycle.
func replayAs(t *testing.T, fn func(workflow.Context, CycleInput) (CycleResult, error)) error {
	t.Helper()
	path := filepath.Join("testdata", "histories", HistoryCorpus, "patch-cycle%2Fnonprod%2F2026-W48.json")
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	require.NoError(t, err)
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: PatchCycleWorkflow})
	return r.ReplayWorkflowHistoryWithOptions(nil, h, worker.ReplayWorkflowHistoryOptions{
		OriginalExecution: workflow.Execution{ID: "patch-cycle/nonprod/2026-W48", RunID: "replay"}})
}

// Why every change to the commands a workflow issues is gated (versions.go):
// the same new step (a timer before the cycle starts) breaks the cycles
// in flight when added plainly, and replays cleanly behind GetVersion.
func TestAnUnversionedChangeFailsReplayAndTheVersionedOnePasses(t *testing.T) {
	require.NoError(t, replayAs(t, PatchCycle), "the current code replays its own corpus")

	unversioned := func(ctx workflow.Context, in CycleInput) (CycleResult, error) {
		if err := workflow.Sleep(ctx, time.Second); err != nil {
			return CycleResult{}, err
		}
		return PatchCycle(ctx, in)
	}
	err := replayAs(t, unversioned)
	require.Error(t, err)
	require.Contains(t, err.Error(), "TMPRL1100", "the SDK's non-determinism error")

	versioned := func(ctx workflow.Context, in CycleInput) (CycleResult, error) {
		if workflow.GetVersion(ctx, "test-new-step", workflow.DefaultVersion, 1) == 1 {
			if err := workflow.Sleep(ctx, time.Second); err != nil {
				return CycleResult{}, err
			}
		}
		return PatchCycle(ctx, in)
	}
	require.NoError(t, replayAs(t, versioned), "histories from before the change take the old branch")
}

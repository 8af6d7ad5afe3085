package workflows

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// ReplayFiles replays exported workflow histories (JSON, as `temporal
// workflow show --output json` writes them) against the workflow code of
// this build. Each file is named after its workflow ID, path-escaped
// (patch-cycle%2Fprod-auto%2F2026-W48.json), because the code derives child
// IDs from its own. A non-deterministic change to the workflows fails here.
func ReplayFiles(paths ...string) error {
	r := worker.NewWorkflowReplayer()
	RegisterWorkflows(r)
	for _, p := range paths {
		id, err := url.PathUnescape(strings.TrimSuffix(filepath.Base(p), ".json"))
		if err != nil {
			return fmt.Errorf("%s: file name is not an escaped workflow ID: %w", p, err)
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
		f.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		err = r.ReplayWorkflowHistoryWithOptions(nil, h, worker.ReplayWorkflowHistoryOptions{
			OriginalExecution: workflow.Execution{ID: id, RunID: "replay"}})
		if err != nil {
			return fmt.Errorf("replay %s: %w", id, err)
		}
	}
	return nil
}

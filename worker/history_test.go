package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// exportHistory writes a workflow's history as JSON (the format `temporal
// workflow show --output json` writes and the replayer reads). It never
// overwrites a stored history: the corpus only grows.
func (s *stack) exportHistory(id, dir string) string {
	it := s.c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		require.NoError(s.t, err)
		h.Events = append(h.Events, ev)
	}
	b, err := protojson.MarshalOptions{Indent: " "}.Marshal(h)
	require.NoError(s.t, err)
	path := filepath.Join(dir, url.PathEscape(id)+".json")
	require.NoFileExists(s.t, path, "stored histories are never rewritten; a new workflow version stores its own (workflows/versions.go)")
	require.NoError(s.t, os.MkdirAll(dir, 0o755))
	require.NoError(s.t, os.WriteFile(path, b, 0o644))
	return path
}

// replay replays histories against today's workflow code; a
// non-deterministic change fails here before it reaches a deploy.
func replay(t *testing.T, paths ...string) {
	require.NoError(t, workflows.ReplayFiles(paths...))
}

// TestE2EHistoriesReplay runs an approved and a rejected approval cycle
// and an auto cycle, exports their histories (and a wave's), and replays
// them. With FLEETPATCH_UPDATE_HISTORIES=1 it adds them to the corpus of
// this version under workflows/testdata/histories.
func TestE2EHistoriesReplay(t *testing.T) {
	s := newStack(t, 120, 0)
	// Rejected first: after the approved cycle the group needs nothing.
	in := workflows.CycleInput{Group: "prod-sensitive", Cycle: "2026-W47", Tuning: tuning}
	rejected, err := s.c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: workflows.WorkflowID(in.Group, in.Cycle), TaskQueue: workflows.TaskQueue}, workflows.PatchCycleWorkflow, in)
	require.NoError(t, err)
	st := s.awaitApproval(rejected.GetID())
	rejection := signedApproval(t, st, "sre-oncall@example.com", func(st *approval.Statement) {
		st.Decision, st.Start, st.Comment = approval.Reject, "", "change freeze"
	})
	h, err := s.c.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{WorkflowID: rejected.GetID(),
		UpdateName: workflows.RejectName, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.RejectInput{Signed: rejection.Signed}}})
	require.NoError(t, err)
	require.NoError(t, h.Get(context.Background(), nil))
	require.Equal(t, workflows.StatusRejected, s.wait(rejected).Status)

	approved := s.start("prod-sensitive", workflows.CycleInput{InstallNow: true})
	approveWhenReady(s, approved.GetID(), "ops-lead@example.com", func(st *approval.Statement) { st.Start = approval.StartNow })
	require.Equal(t, workflows.StatusCompleted, s.wait(approved).Status)

	auto := s.start("nonprod", workflows.CycleInput{InstallNow: true})
	require.Equal(t, workflows.StatusCompleted, s.wait(auto).Status)

	dir := t.TempDir()
	if os.Getenv("FLEETPATCH_UPDATE_HISTORIES") == "1" {
		dir = filepath.Join("..", "workflows", "testdata", "histories", workflows.HistoryCorpus)
	}
	replay(t, s.exportHistory(approved.GetID(), dir), s.exportHistory(approved.GetID()+"/wave-1", dir),
		s.exportHistory(rejected.GetID(), dir), s.exportHistory(auto.GetID(), dir))
}

package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/fleetpatch/fleetpatch/workflows"
)

// exportHistory writes a workflow's history as JSON (the format `temporal
// workflow show --output json` writes and the replayer reads).
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
	require.NoError(s.t, os.WriteFile(path, b, 0o644))
	return path
}

// replay replays histories against today's workflow code; a
// non-deterministic change fails here before it reaches a deploy.
func replay(t *testing.T, paths ...string) {
	require.NoError(t, workflows.ReplayFiles(paths...))
}

// TestE2EHistoriesReplay runs an approval cycle, exports the histories of
// the cycle and of a wave, and replays them. With FLEETPATCH_UPDATE_HISTORIES=1
// it also refreshes the stored histories under workflows/testdata.
func TestE2EHistoriesReplay(t *testing.T) {
	s := newStack(t, 120, 0)
	run := s.start("prod-sensitive", workflows.CycleInput{InstallNow: true})
	approveWhenReady(s, run.GetID(), "ops-lead@example.com")
	r := s.wait(run)
	require.Equal(t, workflows.StatusCompleted, r.Status)

	dir := t.TempDir()
	if os.Getenv("FLEETPATCH_UPDATE_HISTORIES") == "1" {
		dir = "../workflows/testdata"
	}
	replay(t, s.exportHistory(run.GetID(), dir), s.exportHistory(run.GetID()+"/wave-1", dir))
}

// approveWhenReady waits for the review and approves all of it.
func approveWhenReady(s *stack, id, approver string) {
	var st workflows.CycleStatus
	require.Eventually(s.t, func() bool { st = s.status(id); return st.Phase == workflows.PhaseAwaitingApproval }, time.Minute, 100*time.Millisecond)
	ctx := context.Background()
	h, err := s.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: workflows.ApproveName,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{workflows.ApproveInput{Approver: approver, Digest: st.Review.Digest}}})
	require.NoError(s.t, err)
	require.NoError(s.t, h.Get(ctx, nil))
}

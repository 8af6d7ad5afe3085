package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/notify"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// An approval cycle notifies a signed webhook receiver of its review
// (with the digest and the commands to sign and approve), of the approval
// and of its completion, each once, in that order, every body signed with
// the group's key.
func TestE2ENotificationsOfAnApprovalCycle(t *testing.T) {
	var mu sync.Mutex
	var kinds []string
	var events []notify.Event
	const key = "test-hmac-key"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.Verify([]byte(key), body, r.Header.Get(notify.HeaderSignature)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var ev notify.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		kinds = append(kinds, r.Header.Get(notify.HeaderEvent))
		events = append(events, ev)
		mu.Unlock()
	}))
	defer srv.Close()
	t.Setenv("FLEETPATCH_TEST_WEBHOOK", srv.URL)
	t.Setenv("FLEETPATCH_TEST_WEBHOOK_KEY", key)

	s := newStack(t, 120, 0)
	g := s.pol.Groups["prod-sensitive"]
	g.Hooks, g.Snapshot = nil, nil
	g.Notifications = []policy.Notification{{Type: "webhook", URL: "env:FLEETPATCH_TEST_WEBHOOK", Secret: "env:FLEETPATCH_TEST_WEBHOOK_KEY"}}
	require.NoError(t, s.pol.Validate())
	run := s.start("prod-sensitive", workflows.CycleInput{InstallNow: true})
	id := workflows.WorkflowID("prod-sensitive", "2026-W48")
	st := s.awaitApproval(id)
	require.Eventually(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(kinds) == 1 }, time.Minute, 50*time.Millisecond)
	mu.Lock()
	require.Equal(t, string(notify.ReviewReady), kinds[0])
	require.Equal(t, st.Review.Digest, events[0].Review.ManifestDigest)
	require.Contains(t, events[0].Review.StatementCommand, "--group prod-sensitive --cycle 2026-W48 --statement")
	mu.Unlock()
	_, err := s.sendApproval(id, signedApproval(t, st, "ops-lead@example.com", func(st *approval.Statement) { st.Start = approval.StartNow }))
	require.NoError(t, err)
	r := s.wait(run)
	require.Equal(t, workflows.StatusCompleted, r.Status, s.report(r).Header.Reason)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"review-ready", "approved", "completed"}, kinds, "each event once, in order")
	require.Equal(t, []string{"ops-lead@example.com"}, events[1].Decision.By)
	require.Equal(t, r.Report.Dir, events[2].Result.Report)
	require.Equal(t, r.Counts.Patched, events[2].Result.Installed-r.Counts.PendingReboot)
}

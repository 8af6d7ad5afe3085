package main

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/ticket/tickettest"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// An approval cycle opens one change request on its review with the
// review attached, moves it to Implement on the approval and closes it
// with the report's summary, as the ServiceNow stand-in records.
func TestE2EChangeTicketFollowsTheCycle(t *testing.T) {
	sn := tickettest.New(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("fleetpatch:s3cret")))
	t.Setenv("FLEETPATCH_TEST_SN_USER", "fleetpatch")
	t.Setenv("FLEETPATCH_TEST_SN_PASSWORD", "s3cret")

	s := newStack(t, 120, 0)
	g := s.pol.Groups["prod-sensitive"]
	g.Hooks, g.Snapshot, g.Notifications = nil, nil, nil
	g.ChangeTicket = &policy.ChangeTicket{Type: "servicenow", Instance: sn.URL,
		Username: "env:FLEETPATCH_TEST_SN_USER", Password: "env:FLEETPATCH_TEST_SN_PASSWORD"}
	require.NoError(t, s.pol.Validate())
	run := s.start("prod-sensitive", workflows.CycleInput{InstallNow: true})
	id := workflows.WorkflowID("prod-sensitive", "2026-W48")
	st := s.awaitApproval(id)
	_, err := s.sendApproval(id, signedApproval(t, st, "ops-lead@example.com", func(st *approval.Statement) { st.Start = approval.StartNow }))
	require.NoError(t, err)
	r := s.wait(run)
	require.Equal(t, workflows.StatusCompleted, r.Status, s.report(r).Header.Reason)

	changes := sn.Changes()
	require.Len(t, changes, 1, "one change request per cycle")
	c := changes[0]
	require.Equal(t, id, c.CorrelationID)
	require.Equal(t, "3", c.State, "closed")
	require.Equal(t, "successful", c.CloseCode)
	require.Contains(t, c.CloseNotes, "fleetpatch run ended completed")
	require.Contains(t, c.CloseNotes, r.Report.Dir)
	files := sn.Files()
	require.Len(t, files, 1)
	require.Equal(t, "review.json", files[0].FileName)
	require.Contains(t, string(files[0].Data), st.Review.Digest, "the attached review is the one approved")
}

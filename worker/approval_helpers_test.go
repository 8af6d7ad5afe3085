package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"golang.org/x/crypto/ssh"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/workflows"
)

var (
	approverKeysOnce sync.Once
	approverKeys     = map[string]ssh.Signer{}
)

// approverKey is the test key of an approver of the example policy
// (ops-lead@example.com, sre-oncall@example.com); anyone else gets a key no
// policy lists.
func approverKey(t testing.TB, principal string) ssh.Signer {
	approverKeysOnce.Do(func() {
		for _, p := range []string{"ops-lead@example.com", "sre-oncall@example.com", "mallory@example.com"} {
			_, priv, err := ed25519.GenerateKey(rand.Reader)
			require.NoError(t, err)
			s, err := ssh.NewSignerFromKey(priv)
			require.NoError(t, err)
			approverKeys[p] = s
		}
	})
	return approverKeys[principal]
}

// e2ePolicy is the example policy as the end-to-end tests run it: every
// group that installs allows on-demand runs (the tests install now, not
// on Sunday), no group honours a change freeze, and the approvers' keys
// are the tests' own.
func e2ePolicy(t testing.TB) *policy.Policy {
	t.Helper()
	return e2ePolicyFrom(t, examplePolicy)
}

// e2ePolicyFrom is e2ePolicy loaded from another policy folder.
func e2ePolicyFrom(t testing.TB, dir string) *policy.Policy {
	t.Helper()
	pol, err := policy.Load(dir)
	require.NoError(t, err)
	for _, g := range pol.Groups {
		g.OnDemand = g.Mode != policy.ModeScanOnly
		// The example's change freezes would make the tests depend on the
		// date; the freeze tests add their own.
		g.Freezes = nil
		if g.Approval == nil {
			continue
		}
		g.Approval.Keys = nil
		for _, who := range g.Approval.Approvers {
			pub := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(approverKey(t, who).PublicKey())))
			g.Approval.Keys = append(g.Approval.Keys, who+" "+pub)
		}
	}
	require.NoError(t, pol.Validate())
	return pol
}

// signedApproval is approver's approval of what st asks to sign, valid for
// a day, changed by the options, signed with approver's test key.
func signedApproval(t testing.TB, st workflows.CycleStatus, approver string, change ...func(*approval.Statement)) workflows.ApproveInput {
	t.Helper()
	require.NotNil(t, st.Sign, "the run is not awaiting approval")
	s := approval.Statement{Namespace: st.Sign.Namespace, Workflow: st.Sign.Workflow, Run: st.Sign.Run, Decision: approval.Approve,
		Approver: approver, Digest: st.Sign.Digest, Start: st.Sign.Start, Expires: time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)}
	for _, f := range change {
		f(&s)
	}
	signed, err := approval.Sign(s, approverKey(t, approver))
	require.NoError(t, err)
	return workflows.ApproveInput{Signed: signed}
}

// awaitApproval waits until the run asks for an approval and returns its
// status.
func (s *stack) awaitApproval(id string) workflows.CycleStatus {
	var st workflows.CycleStatus
	require.Eventually(s.t, func() bool {
		st = s.status(id)
		return st.Phase == workflows.PhaseAwaitingApproval && st.Sign != nil
	}, 2*time.Minute, 50*time.Millisecond)
	return st
}

// sendApproval sends in as the approve update and returns the verdict.
func (s *stack) sendApproval(id string, in workflows.ApproveInput) (workflows.DecisionResult, error) {
	ctx := context.Background()
	h, err := s.c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: workflows.ApproveName,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{in}})
	var d workflows.DecisionResult
	if err == nil {
		err = h.Get(ctx, &d)
	}
	return d, err
}

// approveWhenReady waits for the review and approves all of it, signed by
// approver.
func approveWhenReady(s *stack, id, approver string, change ...func(*approval.Statement)) {
	st := s.awaitApproval(id)
	d, err := s.sendApproval(id, signedApproval(s.t, st, approver, change...))
	require.NoError(s.t, err)
	require.Equal(s.t, "approved", d.Decision)
}

package workflows

import (
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// The validator refuses, through the update and through the signal alike,
// everything but a statement for this cycle signed by a listed approver's
// key; a refusal says why without naming the approvers.
func (s *cycleSuite) TestApprovalRefusals() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	type attempt struct {
		name string
		in   func() ApproveInput
		want string
	}
	attempts := []attempt{
		{"unsigned, as before", func() ApproveInput {
			return ApproveInput{Approver: "ops@example.com", Digest: s.status().Sign.Digest}
		}, "no signed statement"},
		{"signed by a key not listed for the approver", func() ApproveInput {
			return ApproveInput{Signed: s.signedBy("mallory@example.com", s.statement("ops@example.com"))}
		}, "is not listed for ops@example.com"},
		{"not an approver", func() ApproveInput { return s.approval("mallory@example.com") }, "is not listed for mallory@example.com"},
		{"another cycle's statement", func() ApproveInput {
			return s.approval("ops@example.com", func(st *approval.Statement) { st.Workflow = "patch-cycle/g/2026-W46" })
		}, "is for workflow patch-cycle/g/2026-W46, not patch-cycle/g/2026-W47"},
		{"a subset changed after signing", func() ApproveInput {
			in := s.approval("ops@example.com", func(st *approval.Statement) { st.Patches = []string{patchOpenSSL.ID} })
			in.Statement = strings.Replace(in.Statement, "patches: "+patchOpenSSL.ID, "patches: all", 1)
			return in
		}, "does not verify over this statement"},
		{"an expired statement", func() ApproveInput {
			return s.approval("ops@example.com", func(st *approval.Statement) { st.Expires = s.env.Now().Add(-time.Minute).Truncate(time.Second) })
		}, "statement expired at"},
		{"a patch not in the manifest", func() ApproveInput {
			return s.approval("ops@example.com", func(st *approval.Statement) { st.Patches = []string{"nginx:9.9"} })
		}, "patches not in the manifest: nginx:9.9"},
		{"an install outside the window the group does not allow", func() ApproveInput {
			return s.approval("ops@example.com", func(st *approval.Statement) { st.Start = approval.StartNow })
		}, "does not allow installing outside its window"},
		{"a rejection sent as an approval", func() ApproveInput {
			return ApproveInput{Signed: s.rejection("ops@example.com", "no").Signed}
		}, "the statement decides reject"},
	}
	s.pol.Groups["g"].OnDemand = false
	refusals := make([]*string, len(attempts))
	s.env.RegisterDelayedCallback(func() {
		for i, at := range attempts {
			refusals[i] = s.update(ApproveName, "bad-"+at.name, at.in())
		}
	}, time.Hour)
	// One signal a minute; each callback first checks what the previous
	// signal left in the status (a signal is handled after the callback).
	for i := 0; i <= len(attempts); i++ {
		s.env.RegisterDelayedCallback(func() {
			if i > 0 {
				prev := attempts[i-1]
				st := s.status()
				s.Equal(PhaseAwaitingApproval, st.Phase, prev.name)
				s.Nil(st.Approval, prev.name)
				s.Contains(st.LastRefusal, "approve signal refused", prev.name)
				s.Contains(st.LastRefusal, prev.want, prev.name)
			}
			if i < len(attempts) {
				s.env.SignalWorkflow(ApproveName, attempts[i].in())
			}
		}, time.Hour+time.Duration(i+1)*time.Minute)
	}
	s.approveAt(2*time.Hour, func() ApproveInput { return s.approval("sre@example.com") })
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	for i, at := range attempts {
		s.Contains(*refusals[i], at.want, at.name)
		s.NotContains(*refusals[i], "sre@example.com", "%s: a refusal does not list the approvers", at.name)
	}
	s.Equal(StatusCompleted, r.Status)
	s.Equal("sre@example.com", r.Approval.By)
	s.Equal(sunday0100.Add(2*time.Hour), r.Approval.At)
}

// With approval.required: 2, one approval leaves the cycle waiting (the
// status says 1 of 2), the same approver cannot approve twice, and a
// second approver completes it.
func (s *cycleSuite) TestTwoPersonRule() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.pol.Groups["g"].Approval.Required = 2
	var first, again, different *string
	s.env.RegisterDelayedCallback(func() { first = s.update(ApproveName, "ops", s.approval("ops@example.com")) }, time.Hour)
	s.env.RegisterDelayedCallback(func() {
		st := s.status()
		s.Equal(PhaseAwaitingApproval, st.Phase)
		s.Equal(2, st.Sign.Required)
		s.Equal([]string{"ops@example.com"}, st.Sign.Approved)
		again = s.update(ApproveName, "ops-again", s.approval("ops@example.com"))
		different = s.update(ApproveName, "sre-subset", s.approval("sre@example.com", func(st *approval.Statement) { st.Patches = []string{patchOpenSSL.ID} }))
	}, 90*time.Minute)
	s.approveAt(2*time.Hour, func() ApproveInput { return s.approval("sre@example.com") })
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Empty(*first)
	s.Contains(*again, "ops@example.com has already approved")
	s.Contains(*different, "differs from the pending one")
	s.Equal(StatusCompleted, r.Status)
	s.Equal("ops@example.com, sre@example.com", r.Approval.By)
	s.Equal(2, r.Approval.Required)
	s.Len(r.Approval.Signatures, 2)
	s.Equal(7, r.Counts.Patched)
}

// A manifest changed in the artifact store after it was approved is
// caught before anything is installed: the cycle fails, saying why, and
// still reports every instance.
func (s *cycleSuite) TestAManifestChangedAfterApprovalFailsClosed() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.approveAt(time.Hour, func() ApproveInput { return s.approval("ops@example.com") })
	s.env.RegisterDelayedCallback(func() {
		// While the cycle waits for its window, widen the manifest.
		p := filepath.Join(s.dir, "store", "cycles", "g", "2026-W47", "default-test-run-id", "manifest.json")
		b, err := os.ReadFile(p)
		s.Require().NoError(err)
		changed := strings.Replace(string(b), `"3.0.2-0ubuntu1.18"`, `"3.0.2-0ubuntu1.99"`, 1)
		s.Require().NotEqual(string(b), changed)
		s.Require().NoError(os.WriteFile(p, []byte(changed), 0o600))
	}, 90*time.Minute)
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	s.True(s.env.IsWorkflowCompleted())
	err := s.env.GetWorkflowError()
	s.Require().Error(err)
	s.Contains(err.Error(), "not to the reviewed and approved digest")
	s.Empty(s.provider.installCounts(), "nothing is installed")
	rep := s.readReport("g/2026-W47")
	s.Equal(string(StatusFailed), rep.Header.Status)
	s.Contains(rep.Header.Failure, "refusing to install")
	s.Len(rep.Instances, 7)
	s.Equal(7, rep.Header.Counts[report.NotAttempted])
}

// An approval that expires while the cycle waits for its window stops the
// rollout before it starts: nothing is installed, the cycle ends expired.
func (s *cycleSuite) TestAnApprovalThatExpiresBeforeTheWindowInstallsNothing() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.approveAt(time.Hour, func() ApproveInput {
		return s.approval("ops@example.com", func(st *approval.Statement) { st.Expires = s.env.Now().Add(30 * time.Minute) })
	})
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusExpired, r.Status)
	s.Empty(s.provider.installCounts())
	s.Equal(report.ReasonExpired, s.readReport("g/2026-W47").Instances[0].Reason)
}

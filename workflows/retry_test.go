package workflows

import (
	"time"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/policy"
)

// haltedApprovalCycle runs an approval cycle whose canary fails (maxErrors
// 0), approved with a statement valid for validity, and returns at the
// cycle's end.
func (s *cycleSuite) haltedApprovalCycle(validity time.Duration) {
	s.pol = testPolicy(policy.ModeApproval, 0)
	s.pol.Groups["g"].Approval.InstallStart = policy.StartImmediately
	s.provider.failInstall["i-0000"] = true
	s.approveAt(time.Hour, func() ApproveInput {
		return s.approval("ops@example.com", func(st *approval.Statement) { st.Expires = s.env.Now().Add(validity) })
	})
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	s.Equal(StatusHalted, s.result().Status)
	delete(s.provider.failInstall, "i-0000")
}

// A retry reuses the cycle's approval while it holds, and installs in the
// group's window (not at once) unless a signed approval said "now".
func (s *cycleSuite) TestRetryUsesTheCyclesApprovalWhileItHolds() {
	s.haltedApprovalCycle(7 * 24 * time.Hour)
	s.env = s.newEnv()
	s.runRetry(RetryInput{Group: "g", Cycle: "2026-W47", Attempt: 1})
	r := s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Equal(7, r.Counts.Patched)
	s.Equal("ops@example.com", r.Approval.By)
	// The cycle's approval said start: now (installStart immediately).
	s.Equal(sunday0100, s.status().Slot.Start)
}

// After the cycle's approval expired, a retry installs nothing until an
// approver signs a new statement naming the retry; without one it ends
// expired.
func (s *cycleSuite) TestRetryAfterTheApprovalExpiredNeedsANewApproval() {
	s.haltedApprovalCycle(2 * time.Hour)
	s.env = s.newEnv()
	s.env.SetStartTime(sunday0100.Add(3 * time.Hour))
	s.runRetry(RetryInput{Group: "g", Cycle: "2026-W47", Attempt: 1})
	r := s.result()
	s.Equal(StatusExpired, r.Status)
	s.Empty(s.provider.installCounts(), "nothing is installed under the expired approval")
	s.Contains(s.status().Sign.Why, "the cycle's approval by ops@example.com no longer holds: statement expired at")

	s.env = s.newEnv()
	s.env.SetStartTime(sunday0100.Add(3 * time.Hour))
	var refusal *string
	s.env.RegisterDelayedCallback(func() {
		// The cycle's own statement is not accepted for the retry.
		refusal = s.update(ApproveName, "cycle-statement", s.approval("ops@example.com", func(st *approval.Statement) {
			st.Workflow = "patch-cycle/g/2026-W47"
		}))
	}, time.Minute)
	s.approveAt(2*time.Minute, func() ApproveInput {
		return s.approval("sre@example.com", func(st *approval.Statement) { st.Start = approval.StartNow })
	})
	s.runRetry(RetryInput{Group: "g", Cycle: "2026-W47", Attempt: 2})
	r = s.result()
	s.Contains(*refusal, "is for workflow patch-cycle/g/2026-W47, not patch-cycle/g/2026-W47/retry-2")
	s.Equal(StatusCompleted, r.Status)
	s.Equal("sre@example.com", r.Approval.By)
	s.Len(s.provider.installCounts(), 7)
	for id, n := range s.provider.installCounts() {
		s.Equal(1, n, id)
	}
}

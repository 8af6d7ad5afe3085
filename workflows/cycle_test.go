package workflows

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"golang.org/x/crypto/ssh"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

func (s *cycleSuite) TestAutoInstallsInItsWindowAndReportsVersions() {
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Equal(7, r.Counts.Patched)
	for id, n := range s.provider.installCounts() {
		s.Equal(1, n, "installs on %s", id)
	}
	s.Len(s.provider.installCounts(), 7)
	// The install waited for the window: Sunday 03:00.
	s.Equal(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), s.status().Slot.Start)
	rep := s.readReport("g/2026-W47")
	s.Equal(7, rep.Header.Counts[report.Patched])
	for _, i := range rep.Instances {
		s.Require().Len(i.Packages, 2, i.ID)
		for _, p := range i.Packages {
			if p.Name == "openssl" {
				s.Equal("3.0.2-0ubuntu1.15", p.FromVersion)
				s.Equal("3.0.2-0ubuntu1.18", p.ToVersion)
			}
		}
		s.True(i.Reboot.Done, "kernel update rebooted %s", i.ID)
	}
	// Waves: canary of 1, then 50% of 7 = 4, then the remaining 2.
	s.Equal(3, s.status().Wave.Total)
	s.FileExists(filepath.Join(s.dir, "reports", "g", "2026-W47", "report.csv"))
}

func (s *cycleSuite) TestScanOnlyNeverInstalls() {
	s.pol = testPolicy(policy.ModeScanOnly, 1)
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true})
	r := s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Empty(s.provider.installCounts())
	rep := s.readReport("g/2026-W47")
	s.Equal(7, rep.Header.Counts[report.SkippedByPolicy])
	s.Equal("scan-only", rep.Instances[0].Missing[0].Why)
}

func (s *cycleSuite) TestApprovalOfAllInstallsAtTheNextWindow() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	// Principals compare case-insensitively: they are e-mail addresses.
	s.approveAt(time.Hour, func() ApproveInput {
		return s.approval("ops@example.com", func(st *approval.Statement) { st.Approver, st.Comment = "OPS@example.com", "looks fine" })
	})
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Equal(7, r.Counts.Patched)
	s.Require().NotNil(r.Approval)
	s.Equal("approved", r.Approval.Decision)
	s.Equal("OPS@example.com", r.Approval.By)
	s.Equal(r.ManifestDigest, r.Approval.Digest)
	s.Equal(sunday0100.Add(time.Hour), r.Approval.At)
	s.Equal(sunday0100.Add(49*time.Hour), r.Approval.Expires)
	s.Equal("window", r.Approval.Start)
	s.Equal(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), s.status().Slot.Start)
	// The report records the verified principal, key and signed statement.
	rep := s.readReport("g/2026-W47")
	s.Require().Len(rep.Header.Approval.Signatures, 1)
	sig := rep.Header.Approval.Signatures[0]
	s.Equal(ssh.FingerprintSHA256(keyOf("ops@example.com").PublicKey()), sig.Fingerprint)
	s.Equal("ssh-ed25519", sig.KeyType)
	s.Contains(sig.Statement, "workflow: patch-cycle/g/2026-W47\n")
	s.Contains(sig.Signature, "BEGIN SSH SIGNATURE")
}

func (s *cycleSuite) TestApprovalOfASubsetInstallsOnlyThatSubset() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.approveAt(time.Hour, func() ApproveInput {
		return s.approval("ops@example.com", func(st *approval.Statement) { st.Patches = []string{patchOpenSSL.ID} })
	})
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusCompleted, r.Status)
	for _, i := range s.provider.insts {
		s.Equal([]string{patchKernel.ID}, s.provider.stillMissing(i.ID))
	}
	rep := s.readReport("g/2026-W47")
	for _, i := range rep.Instances {
		s.Require().Len(i.Packages, 1)
		s.Equal("openssl", i.Packages[0].Name)
		s.Require().Len(i.Missing, 1)
		s.Equal(patchKernel.ID, i.Missing[0].PatchID)
		s.Equal(report.ReasonNotApproved, i.Missing[0].Why)
	}
}

func (s *cycleSuite) TestApprovalTimeoutExpiresWithAReport() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusExpired, r.Status)
	s.Equal("expired", r.Approval.Decision)
	s.Empty(s.provider.installCounts())
	rep := s.readReport("g/2026-W47")
	s.Equal(7, rep.Header.Counts[report.NotAttempted])
	s.Equal(report.ReasonExpired, rep.Instances[0].Reason)
}

func (s *cycleSuite) TestRejectionEndsTheCycle() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	var refusal *string
	s.env.RegisterDelayedCallback(func() {
		refusal = s.update(RejectName, "r", s.rejection("sre@example.com", "kernel update conflicts with the driver"))
	}, time.Hour)
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Empty(*refusal)
	s.Equal(StatusRejected, r.Status)
	s.Equal("kernel update conflicts with the driver", r.Approval.Comment)
	s.Equal("sre@example.com", r.Approval.By)
	s.Require().Len(r.Approval.Signatures, 1)
	s.Equal("reject", r.Approval.Signatures[0].Decision)
	s.Empty(s.provider.installCounts())
}

func (s *cycleSuite) TestHaltsWhenFailuresExceedMaxErrors() {
	s.pol = testPolicy(policy.ModeAuto, 0)
	s.provider.failInstall["i-0000"] = true // the canary
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true})
	r := s.result()
	s.Equal(StatusHalted, r.Status)
	s.Equal(1, r.Counts.Failed)
	s.Empty(s.provider.installCounts(), "nothing is installed after the failed canary")
	rep := s.readReport("g/2026-W47")
	s.Len(rep.Instances, 7, "every instance is reported once")
	s.Equal(1, rep.Header.Counts[report.Failed])
	s.Equal(6, rep.Header.Counts[report.NotAttempted])
	s.Equal(report.ReasonHalted, rep.Instances[1].Reason)
}

func (s *cycleSuite) TestWindowCutoffStopsNewInstalls() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	// Approved at 06:45: inside the window (03:00-07:00) but past its
	// 30-minute cutoff, so no wave may start.
	s.approveAt(5*time.Hour+45*time.Minute, func() ApproveInput { return s.approval("ops@example.com") })
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusWindowClosed, r.Status)
	s.Empty(s.provider.installCounts())
	rep := s.readReport("g/2026-W47")
	s.Equal(7, rep.Header.Counts[report.NotAttempted])
	s.Equal(report.ReasonWindowClosed, rep.Instances[0].Reason)
}

func (s *cycleSuite) TestPauseHoldsTheRolloutUntilResume() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.pol.Groups["g"].Approval.InstallStart = policy.StartImmediately
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(PauseSignal, ControlInput{By: "ops@example.com"})
		s.env.SignalWorkflow(ApproveName, s.approval("ops@example.com"))
	}, time.Hour)
	s.env.RegisterDelayedCallback(func() {
		st := s.status()
		s.True(st.Paused)
		s.Equal(PhaseRollout, st.Phase)
		s.Zero(st.Counts.Patched)
		s.Empty(s.provider.installCounts())
		s.env.SignalWorkflow(ResumeSignal, nil)
	}, 3*time.Hour)
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Equal(7, r.Counts.Patched)
}

func (s *cycleSuite) TestCancelWhileAwaitingApprovalReportsCancelled() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.env.RegisterDelayedCallback(func() { s.env.SignalWorkflow(CancelSignal, ControlInput{Reason: "change freeze"}) }, time.Hour)
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusCancelled, r.Status)
	s.Empty(s.provider.installCounts())
	s.Equal(report.ReasonCancelled, s.readReport("g/2026-W47").Instances[0].Reason)
}

func (s *cycleSuite) TestCancelBetweenWavesStopsTheRollout() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.pol.Groups["g"].Approval.InstallStart = policy.StartImmediately
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(PauseSignal, nil)
		s.env.SignalWorkflow(ApproveName, s.approval("ops@example.com"))
	}, time.Hour)
	s.env.RegisterDelayedCallback(func() { s.env.SignalWorkflow(CancelSignal, nil) }, 2*time.Hour)
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusCancelled, r.Status)
	s.Empty(s.provider.installCounts())
	rep := s.readReport("g/2026-W47")
	s.Equal(7, rep.Header.Counts[report.NotAttempted])
}

func (s *cycleSuite) TestRetryFailedFinishesAHaltedCycle() {
	s.pol = testPolicy(policy.ModeAuto, 0)
	s.provider.failInstall["i-0000"] = true
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true})
	s.Equal(StatusHalted, s.result().Status)

	delete(s.provider.failInstall, "i-0000")
	s.env = s.newEnv()
	s.runRetry(RetryInput{Group: "g", Cycle: "2026-W47", Attempt: 1})
	r := s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Equal(1, r.Retry)
	s.Equal(7, r.Counts.Patched)
	for _, i := range s.provider.insts {
		s.Empty(s.provider.stillMissing(i.ID))
		s.Equal(1, s.provider.installCounts()[i.ID])
	}
	rep := s.readReport("g/2026-W47/retry-1")
	s.Equal(7, rep.Header.Counts[report.Patched])

	// A second retry has nothing left to do.
	s.env = s.newEnv()
	s.runRetry(RetryInput{Group: "g", Cycle: "2026-W47", Attempt: 2})
	r = s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Zero(r.Counts.Planned)
}

func TestCycleOf(t *testing.T) {
	require.Equal(t, "2026-W48", CycleOf(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, "2026-W53", CycleOf(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, "patch-cycle/g/2026-W48/retry-2", RetryWorkflowID("g", "2026-W48", 2))
}

// A resume and a pause delivered in the same workflow task leave the cycle
// paused (the safe reading of an order the SDK does not keep).
func (s *cycleSuite) TestResumeAndPauseTogetherLeaveTheCyclePaused() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.pol.Groups["g"].Approval.InstallStart = policy.StartImmediately
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(PauseSignal, nil)
		s.env.SignalWorkflow(ApproveName, s.approval("ops@example.com"))
	}, time.Hour)
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflowSkippingWorkflowTask(ResumeSignal, nil)
		s.env.SignalWorkflow(PauseSignal, nil)
	}, 2*time.Hour)
	checked := false
	s.env.RegisterDelayedCallback(func() {
		checked = true
		s.True(s.status().Paused)
		s.Empty(s.provider.installCounts())
		s.env.SignalWorkflow(ResumeSignal, nil)
	}, 3*time.Hour)
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	s.Equal(StatusCompleted, s.result().Status)
	s.True(checked, "the cycle was still running, paused, three hours in")
}

// Cancelled while scanning: every instance is reported once, as not
// attempted (cancelled), with the missing patches its scan found and why.
func (s *cycleSuite) TestCancelDuringScanReportsEveryInstanceNotAttempted() {
	s.provider = newFakeProvider(120, "g") // three scan batches
	s.env = s.newEnv()
	s.env.SetOnActivityCompletedListener(func(info *activity.Info, _ converter.EncodedValue, _ error) {
		if info.ActivityType.Name == "ScanBatch" {
			s.env.SignalWorkflow(CancelSignal, nil)
		}
	})
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", Tuning: Tuning{ScanParallelism: 1}})
	r := s.result()
	s.Equal(StatusCancelled, r.Status)
	rep := s.readReport("g/2026-W47")
	s.Len(rep.Instances, 120)
	s.Equal(120, rep.Header.Counts[report.NotAttempted])
	withMissing := 0
	for _, i := range rep.Instances {
		s.Equal(report.ReasonCancelled, i.Reason)
		for _, m := range i.Missing {
			s.Equal(report.ReasonCancelled, m.Why)
			withMissing++
		}
	}
	s.Positive(withMissing, "the scanned batches' missing patches are listed")
}

// A scan batch that keeps failing is recorded as failed scans; the rest of
// the group is patched.
func (s *cycleSuite) TestAScanBatchThatKeepsFailingDoesNotStopTheGroup() {
	s.provider = newFakeProvider(60, "g") // two scan batches
	s.provider.failScanOf = "i-0000"
	s.env = s.newEnv()
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true,
		Tuning: Tuning{RetryInterval: time.Millisecond}})
	r := s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Equal(50, r.Counts.ScanFailed)
	s.Equal(10, r.Counts.Patched)
	rep := s.readReport("g/2026-W47")
	s.Equal(50, rep.Header.Counts[report.Failed])
	s.Contains(rep.Instances[0].Reason, "scan did not complete")
}

// A verification that keeps failing settles its batch as failed and
// unverified, and RetryFailed can take those instances again.
func (s *cycleSuite) TestAVerifyThatKeepsFailingSettlesTheBatch() {
	s.provider.failVerify = true
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true,
		Tuning: Tuning{RetryInterval: time.Millisecond}})
	r := s.result()
	// The canary fails verification: a failed canary halts the rollout,
	// whatever maxErrors allows.
	s.Equal(StatusHalted, r.Status)
	rep := s.readReport("g/2026-W47")
	s.Len(rep.Instances, 7)
	s.Equal(1, rep.Header.Counts[report.Failed])
	s.Equal(6, rep.Header.Counts[report.NotAttempted])
	s.Equal("the canary failed on 1 of 1 instances", rep.Header.Reason)
	for _, i := range rep.Instances {
		if i.Outcome == report.Failed {
			s.Contains(i.Reason, "did not complete")
		}
	}

	s.provider.failVerify = false
	s.env = s.newEnv()
	s.runRetry(RetryInput{Group: "g", Cycle: "2026-W47", Attempt: 1})
	r = s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Equal(7, r.Counts.Patched, "the unverified and the not-attempted instances are retried")
}

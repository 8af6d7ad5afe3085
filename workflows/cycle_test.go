package workflows

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// sunday0100 is a Sunday 01:00 UTC, when the test group's scan window opens.
var sunday0100 = time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)

// testPolicy is one Ubuntu group with the given mode: security patches
// approved at once, canary 1 then 50% waves, install window Sunday 03:00
// for 4h with a 30m cutoff.
func testPolicy(mode policy.Mode, maxErrors int) *policy.Policy {
	b := &policy.Baseline{Name: "ubuntu-all", OperatingSystem: "UBUNTU", ApprovalRules: &policy.ApprovalRules{
		PatchRules: []policy.PatchRule{{PatchFilterGroup: policy.FilterGroup{PatchFilters: []policy.PatchFilter{{Key: "PRODUCT", Values: []string{"Ubuntu22.04"}}}}}}}}
	g := &policy.Group{Name: "g", Selector: fleet.Selector{Tags: map[string]string{"PatchGroup": "g"}},
		Baselines: map[fleet.OSFamily]string{fleet.OSUbuntu: "ubuntu-all"}, Mode: mode, Reboot: fleet.RebootIfNeeded,
		Rollout: policy.Rollout{Canary: policy.Amount{Count: 1}, MaxConcurrency: policy.Amount{Percent: 50, IsPercent: true},
			MaxErrors: policy.Amount{Count: maxErrors}},
		Windows: policy.GroupWindows{Scan: "scan", Install: "install"}}
	if mode == policy.ModeApproval {
		g.Approval = &policy.Approval{Approvers: []string{"ops@example.com"}, Timeout: policy.Duration(72 * time.Hour),
			InstallStart: policy.StartAtWindow}
	}
	return &policy.Policy{
		Baselines: map[string]*policy.Baseline{b.Name: b},
		Groups:    map[string]*policy.Group{"g": g},
		Windows: map[string]*policy.Window{
			"scan":    {Name: "scan", Cron: "0 1 * * SUN", Duration: policy.Duration(2 * time.Hour)},
			"install": {Name: "install", Cron: "0 3 * * SUN", Duration: policy.Duration(4 * time.Hour), Cutoff: policy.Duration(30 * time.Minute)},
		},
	}
}

type cycleSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env      *testsuite.TestWorkflowEnvironment
	provider *fakeProvider
	pol      *policy.Policy
	dir      string
	acts     *activities.Activities
}

func TestCycle(t *testing.T) { suite.Run(t, new(cycleSuite)) }

func (s *cycleSuite) SetupTest() {
	s.provider = newFakeProvider(7, "g")
	s.pol = testPolicy(policy.ModeAuto, 1)
	s.dir = s.T().TempDir()
	s.env = s.newEnv()
}

func (s *cycleSuite) newEnv() *testsuite.TestWorkflowEnvironment {
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(sunday0100)
	s.acts = &activities.Activities{Provider: s.provider, LoadPolicy: func() (*policy.Policy, error) { return s.pol, nil },
		Store: activities.DirStore{Root: filepath.Join(s.dir, "store")}, ReportDir: filepath.Join(s.dir, "reports")}
	Register(env, s.acts)
	return env
}

func (s *cycleSuite) result() CycleResult {
	s.True(s.env.IsWorkflowCompleted())
	s.Require().NoError(s.env.GetWorkflowError())
	var r CycleResult
	s.Require().NoError(s.env.GetWorkflowResult(&r))
	return r
}

func (s *cycleSuite) status() CycleStatus {
	v, err := s.env.QueryWorkflow(StatusQuery)
	s.Require().NoError(err)
	var st CycleStatus
	s.Require().NoError(v.Get(&st))
	return st
}

// readReport reads the JSON report of a run.
func (s *cycleSuite) readReport(run string) report.Report {
	b, err := os.ReadFile(filepath.Join(s.dir, "reports", filepath.FromSlash(run), "report.json"))
	s.Require().NoError(err)
	var r report.Report
	s.Require().NoError(json.Unmarshal(b, &r))
	return r
}

func (s *cycleSuite) TestAutoInstallsInItsWindowAndReportsVersions() {
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47"})
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
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true})
	r := s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Empty(s.provider.installCounts())
	rep := s.readReport("g/2026-W47")
	s.Equal(7, rep.Header.Counts[report.SkippedByPolicy])
	s.Equal("scan-only", rep.Instances[0].Missing[0].Why)
}

// approvalEnv sets an approval group and returns the review digest the
// callback sees.
func (s *cycleSuite) approveAt(d time.Duration, in func(digest string) ApproveInput, check func(error)) {
	s.env.RegisterDelayedCallback(func() {
		st := s.status()
		s.Require().Equal(PhaseAwaitingApproval, st.Phase)
		s.env.UpdateWorkflow(ApproveName, "approve-1", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { check(err) },
			OnAccept:   func() {},
			OnComplete: func(any, error) { check(nil) },
		}, in(st.Review.Digest))
	}, d)
}

func (s *cycleSuite) TestApprovalOfAllInstallsAtTheNextWindow() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	var verdict error = errNotCalled
	s.approveAt(time.Hour, func(d string) ApproveInput {
		return ApproveInput{Approver: "OPS@example.com", Digest: d, Comment: "looks fine"}
	}, func(err error) { verdict = err })
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.NoError(verdict)
	s.Equal(StatusCompleted, r.Status)
	s.Equal(7, r.Counts.Patched)
	s.Require().NotNil(r.Approval)
	s.Equal("approved", r.Approval.Decision)
	s.Equal("OPS@example.com", r.Approval.By)
	s.Equal(r.ManifestDigest, r.Approval.Digest)
	s.Equal(sunday0100.Add(time.Hour), r.Approval.At)
	s.Equal(time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC), s.status().Slot.Start)
}

func (s *cycleSuite) TestApprovalOfASubsetInstallsOnlyThatSubset() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.approveAt(time.Hour, func(d string) ApproveInput {
		return ApproveInput{Approver: "ops@example.com", Digest: d, Patches: []string{patchOpenSSL.ID}}
	}, func(err error) { s.NoError(err) })
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47"})
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

func (s *cycleSuite) TestApprovalValidatorRefusesWrongApproverStaleDigestAndUnknownPatch() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	var refusals []string
	s.env.RegisterDelayedCallback(func() {
		digest := s.status().Review.Digest
		for i, in := range []ApproveInput{
			{Approver: "mallory@example.com", Digest: digest},
			{Approver: "ops@example.com", Digest: "sha256:stale"},
			{Approver: "ops@example.com", Digest: digest, Patches: []string{"nginx:9.9"}},
		} {
			s.env.UpdateWorkflow(ApproveName, "bad-"+string(rune('a'+i)), &testsuite.TestUpdateCallback{
				OnReject:   func(err error) { refusals = append(refusals, err.Error()) },
				OnAccept:   func() { s.Fail("accepted an invalid approval") },
				OnComplete: func(any, error) {},
			}, in)
		}
		// An invalid signal is ignored, not acted on.
		s.env.SignalWorkflow(ApproveName, ApproveInput{Approver: "mallory@example.com", Digest: digest})
	}, time.Hour)
	s.env.RegisterDelayedCallback(func() {
		s.Equal(PhaseAwaitingApproval, s.status().Phase)
		s.Nil(s.status().Approval)
		s.Contains(s.status().LastRefusal, `approve signal from "mallory@example.com" refused`)
		s.env.SignalWorkflow(ApproveName, ApproveInput{Approver: "ops@example.com", Digest: s.status().Review.Digest})
	}, 2*time.Hour)
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Require().Len(refusals, 3)
	s.Contains(refusals[0], `"mallory@example.com" is not an approver of group g`)
	s.Contains(refusals[1], "does not match the manifest's digest")
	s.Contains(refusals[2], "patches not in the manifest: nginx:9.9")
	s.Equal(StatusCompleted, r.Status)
	s.Equal(sunday0100.Add(2*time.Hour), r.Approval.At)
}

func (s *cycleSuite) TestApprovalTimeoutExpiresWithAReport() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47"})
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
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(RejectName, "r", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { s.Fail("rejection refused", err.Error()) }, OnAccept: func() {}, OnComplete: func(any, error) {},
		}, RejectInput{Approver: "ops@example.com", Reason: "kernel update conflicts with the driver"})
	}, time.Hour)
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusRejected, r.Status)
	s.Equal("kernel update conflicts with the driver", r.Approval.Comment)
	s.Empty(s.provider.installCounts())
}

func (s *cycleSuite) TestHaltsWhenFailuresExceedMaxErrors() {
	s.pol = testPolicy(policy.ModeAuto, 0)
	s.provider.failInstall["i-0000"] = true // the canary
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true})
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
	s.approveAt(5*time.Hour+45*time.Minute, func(d string) ApproveInput {
		return ApproveInput{Approver: "ops@example.com", Digest: d}
	}, func(err error) { s.NoError(err) })
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47"})
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
		s.env.SignalWorkflow(ApproveName, ApproveInput{Approver: "ops@example.com", Digest: s.status().Review.Digest})
	}, time.Hour)
	s.env.RegisterDelayedCallback(func() {
		st := s.status()
		s.True(st.Paused)
		s.Equal(PhaseRollout, st.Phase)
		s.Zero(st.Counts.Patched)
		s.Empty(s.provider.installCounts())
		s.env.SignalWorkflow(ResumeSignal, nil)
	}, 3*time.Hour)
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Equal(7, r.Counts.Patched)
}

func (s *cycleSuite) TestCancelWhileAwaitingApprovalReportsCancelled() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.env.RegisterDelayedCallback(func() { s.env.SignalWorkflow(CancelSignal, ControlInput{Reason: "change freeze"}) }, time.Hour)
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47"})
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
		s.env.SignalWorkflow(ApproveName, ApproveInput{Approver: "ops@example.com", Digest: s.status().Review.Digest})
	}, time.Hour)
	s.env.RegisterDelayedCallback(func() { s.env.SignalWorkflow(CancelSignal, nil) }, 2*time.Hour)
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusCancelled, r.Status)
	s.Empty(s.provider.installCounts())
	rep := s.readReport("g/2026-W47")
	s.Equal(7, rep.Header.Counts[report.NotAttempted])
}

func (s *cycleSuite) TestRetryFailedFinishesAHaltedCycle() {
	s.pol = testPolicy(policy.ModeAuto, 0)
	s.provider.failInstall["i-0000"] = true
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true})
	s.Equal(StatusHalted, s.result().Status)

	delete(s.provider.failInstall, "i-0000")
	s.env = s.newEnv()
	s.env.ExecuteWorkflow(RetryFailed, RetryInput{Group: "g", Cycle: "2026-W47", Attempt: 1})
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
	s.env.ExecuteWorkflow(RetryFailed, RetryInput{Group: "g", Cycle: "2026-W47", Attempt: 2})
	r = s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Zero(r.Counts.Planned)
}

func TestCycleOf(t *testing.T) {
	require.Equal(t, "2026-W48", CycleOf(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, "2026-W53", CycleOf(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, "patch-cycle/g/2026-W48/retry-2", RetryWorkflowID("g", "2026-W48", 2))
}

var errNotCalled = errorString("callback not called")

type errorString string

func (e errorString) Error() string { return string(e) }

// A resume and a pause delivered in the same workflow task leave the cycle
// paused (the safe reading of an order the SDK does not keep).
func (s *cycleSuite) TestResumeAndPauseTogetherLeaveTheCyclePaused() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.pol.Groups["g"].Approval.InstallStart = policy.StartImmediately
	s.env.RegisterDelayedCallback(func() {
		s.env.SignalWorkflow(PauseSignal, nil)
		s.env.SignalWorkflow(ApproveName, ApproveInput{Approver: "ops@example.com", Digest: s.status().Review.Digest})
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
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47"})
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
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47", Tuning: Tuning{ScanParallelism: 1}})
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
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true,
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
	s.env.ExecuteWorkflow(PatchCycle, CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true,
		Tuning: Tuning{RetryInterval: time.Millisecond}})
	r := s.result()
	// The canary (1 failure, allowed by maxErrors 1) and the next wave of 4
	// fail verification; 5 > 1 halts before the last wave of 2.
	s.Equal(StatusHalted, r.Status)
	rep := s.readReport("g/2026-W47")
	s.Len(rep.Instances, 7)
	s.Equal(5, rep.Header.Counts[report.Failed])
	s.Equal(2, rep.Header.Counts[report.NotAttempted])
	for _, i := range rep.Instances {
		if i.Outcome == report.Failed {
			s.Contains(i.Reason, "did not complete")
		}
	}

	s.provider.failVerify = false
	s.env = s.newEnv()
	s.env.ExecuteWorkflow(RetryFailed, RetryInput{Group: "g", Cycle: "2026-W47", Attempt: 1})
	r = s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Equal(7, r.Counts.Patched, "the unverified and the not-attempted instances are retried")
}

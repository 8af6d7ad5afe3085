package workflows

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// failAllBut makes every install fail except on the canary i-0000.
func (s *cycleSuite) failAllBut(n int) {
	for i := 1; i < n; i++ {
		s.provider.failInstall[instanceID(i)] = true
	}
}

func instanceID(i int) string { return fmt.Sprintf("i-%04d", i) }

// With maxErrors 1 and ten batches allowed in parallel, the instances in
// flight never exceed the two failures it takes to halt: a halted rollout
// has failed two instances, not ten batches' worth.
func (s *cycleSuite) TestTheErrorBudgetBoundsTheInstancesInFlight() {
	for _, c := range []struct{ maxErrors, wantAttempts int }{{1, 3}, {0, 2}, {10, 12}} {
		s.provider = newFakeProvider(200, "g")
		s.dir = s.T().TempDir()
		s.failAllBut(200)
		s.pol = testPolicy(policy.ModeAuto, c.maxErrors)
		s.pol.Groups["g"].Rollout.MaxConcurrency = policy.Amount{Percent: 100, IsPercent: true}
		s.env = s.newEnv()
		s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true, Tuning: Tuning{BatchParallelism: 10}})
		r := s.result()
		s.Equal(StatusHalted, r.Status, "maxErrors %d", c.maxErrors)
		// The canary succeeds; then one batch of maxErrors+1 instances
		// fails whole, which halts.
		s.Equal(c.wantAttempts, s.provider.attemptedCount(), "maxErrors %d: instances install calls named", c.maxErrors)
		s.Equal(c.maxErrors+1, r.Counts.Failed, "maxErrors %d", c.maxErrors)
		s.Contains(s.readReport("g/2026-W47").Header.Reason, "more than maxErrors")
	}
}

// A failed canary halts the rollout even when maxErrors would allow more.
func (s *cycleSuite) TestAFailedCanaryHalts() {
	s.pol = testPolicy(policy.ModeAuto, 5)
	s.provider.failInstall["i-0000"] = true
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true})
	r := s.result()
	s.Equal(StatusHalted, r.Status)
	s.Equal(1, s.provider.attemptedCount(), "nothing after the canary")
	rep := s.readReport("g/2026-W47")
	s.Equal("the canary failed on 1 of 1 instances", rep.Header.Reason)
	s.Equal(6, rep.Header.Counts[report.NotAttempted])
	s.Equal(report.ReasonHalted, rep.Instances[1].Reason)
}

// A firing cloud alarm after a wave halts the rollout with the alarm's
// state as the reason; the bake runs before the gates.
func (s *cycleSuite) TestAFiringAlarmHaltsAfterTheBake() {
	s.pol.Groups["g"].Rollout.Bake = policy.Duration(time.Hour)
	s.pol.Groups["g"].Rollout.HealthGates = []policy.HealthGate{{Type: policy.GateAgent},
		{Type: policy.GateAlarm, Cloud: "aws", Account: "111111111111", Region: "eu-west-1", Name: "prod-5xx"}}
	s.provider.firing = map[string]bool{"prod-5xx": true}
	var gateAt time.Time
	s.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == "CheckHealth" {
			gateAt = s.env.Now()
		}
	})
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true})
	r := s.result()
	s.Equal(StatusHalted, r.Status)
	s.Equal(1, s.provider.attemptedCount(), "only the canary was installed")
	s.Equal("health gate alarm prod-5xx failed after wave 1: alarm prod-5xx is ALARM (Threshold Crossed: 5xx rate above 2%)",
		s.readReport("g/2026-W47").Header.Reason)
	s.False(gateAt.Before(sunday0100.Add(time.Hour)), "the gates ran after the hour's bake (at %s)", gateAt)
}

// An HTTP gate that answers 503 halts; one that answers 200 lets the
// rollout go on.
func (s *cycleSuite) TestAnHTTPGateHaltsOnAnUnhealthyAnswer() {
	status := http.StatusServiceUnavailable
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(status) }))
	defer srv.Close()
	s.pol.Groups["g"].Rollout.HealthGates = []policy.HealthGate{{Type: policy.GateHTTP, URL: srv.URL + "/healthz"}}
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true})
	r := s.result()
	s.Equal(StatusHalted, r.Status)
	s.Contains(s.readReport("g/2026-W47").Header.Reason, "health gate http "+srv.URL+"/healthz failed after wave 1: answered 503")

	status = http.StatusOK
	s.provider = newFakeProvider(7, "g")
	s.env = s.newEnv()
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W48", InstallNow: true})
	s.Equal(StatusCompleted, s.result().Status)
}

// An approval that arrives too late for the group's window in the cycle's
// week ends the cycle window-closed, saying why: the next cycle takes over.
func (s *cycleSuite) TestAnApprovalAfterTheWeeksLastWindowEndsWindowClosed() {
	s.pol = testPolicy(policy.ModeApproval, 1)
	s.pol.Groups["g"].Approval.Timeout = policy.Duration(7 * 24 * time.Hour)
	s.approveAt(6*24*time.Hour, func() ApproveInput { return s.approval("ops@example.com") })
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusWindowClosed, r.Status)
	s.Empty(s.provider.installCounts())
	rep := s.readReport("g/2026-W47")
	s.Contains(rep.Header.Reason, "the group's next install window opens at 2026-11-29T03:00:00Z, after this run's week (it ends at 2026-11-29T01:00:00Z)")
	s.Equal(report.ReasonWindowClosed, rep.Instances[0].Reason)
}

// Pause holds the scan: no scan batch starts while paused.
func (s *cycleSuite) TestPauseHoldsTheScan() {
	s.provider = newFakeProvider(120, "g") // three scan batches
	s.env = s.newEnv()
	paused := false
	s.env.SetOnActivityCompletedListener(func(info *activity.Info, _ converter.EncodedValue, _ error) {
		if info.ActivityType.Name == "ScanBatch" && !paused {
			paused = true
			s.env.SignalWorkflow(PauseSignal, nil)
		}
	})
	s.env.RegisterDelayedCallback(func() {
		st := s.status()
		s.Equal(PhaseScan, st.Phase)
		s.Less(st.Counts.Scanned, 120, "the scan is held")
		s.env.SignalWorkflow(ResumeSignal, nil)
	}, 2*time.Hour)
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true, Tuning: Tuning{ScanParallelism: 1}})
	r := s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Equal(120, r.Counts.Scanned)
}

// While another run of the group holds the rollout lock, the cycle waits
// (and says for whom); when it is released, the cycle installs.
func (s *cycleSuite) TestACycleWaitsForTheGroupsRolloutLock() {
	other := activities.Run{Group: "g", Cycle: "2026-W46", ID: "other-run"}
	lock, err := s.acts.AcquireRolloutLock(s.T().Context(), activities.RolloutLockInput{Run: other, Until: sunday0100.Add(24 * time.Hour)})
	s.Require().NoError(err)
	s.Require().True(lock.Acquired)
	s.env.RegisterDelayedCallback(func() {
		st := s.status()
		s.Contains(st.Waiting, "another run of the group is installing: g/2026-W46/other-run")
		s.Empty(s.provider.installCounts())
		s.Require().NoError(s.acts.ReleaseRolloutLock(s.T().Context(), other))
	}, time.Hour)
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true})
	r := s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Equal(7, r.Counts.Patched)
	// The cycle released the lock when it finished.
	again, err := s.acts.AcquireRolloutLock(s.T().Context(), activities.RolloutLockInput{Run: other, Until: s.env.Now().Add(time.Hour)})
	s.Require().NoError(err)
	s.True(again.Acquired)
}

// A lock that is never released keeps the cycle from installing until its
// window's cutoff: it ends window-closed and names the holder.
func (s *cycleSuite) TestAHeldRolloutLockEndsTheCycleWindowClosed() {
	other := activities.Run{Group: "g", Cycle: "2026-W46", ID: "other-run"}
	_, err := s.acts.AcquireRolloutLock(s.T().Context(), activities.RolloutLockInput{Run: other, Until: sunday0100.Add(24 * time.Hour)})
	s.Require().NoError(err)
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true})
	r := s.result()
	s.Equal(StatusWindowClosed, r.Status)
	s.Empty(s.provider.installCounts())
	s.Contains(s.readReport("g/2026-W47").Header.Reason, "the window's cutoff passed while g/2026-W46/other-run was still installing")
}

// A wave keeps the policy's maxConcurrency instances in flight, however
// many batches that takes (here 20 of 50), never more; a tuning value
// still caps the batches (10 of 50), as before. The installs wait for
// each other until that many are under way (a rollout that never gets
// there waits out gateWait and fails the check).
func (s *cycleSuite) TestAWaveKeepsMaxConcurrencyInFlight() {
	for _, c := range []struct {
		tuning Tuning
		want   int64
	}{{Tuning{}, 1000}, {Tuning{BatchParallelism: 10}, 500}} {
		s.provider = newFakeProvider(2001, "g")
		s.provider.gateAt, s.provider.gate = c.want, make(chan struct{})
		s.dir = s.T().TempDir()
		s.pol = testPolicy(policy.ModeAuto, 2001)
		s.pol.Groups["g"].Rollout.MaxConcurrency = policy.Amount{Percent: 50, IsPercent: true}
		s.env = s.newEnv()
		s.env.SetTestTimeout(time.Minute)
		s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true, Tuning: c.tuning})
		s.Equal(StatusCompleted, s.result().Status)
		s.Equal(c.want, s.provider.maxInFlight.Load(), "tuning %+v: instances in flight at most", c.tuning)
	}
}

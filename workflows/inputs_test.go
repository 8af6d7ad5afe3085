package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/policy"
)

// badInputError returns the workflow's error and checks that it is a
// non-retryable BadInput.
func (s *cycleSuite) badInputError() string {
	s.True(s.env.IsWorkflowCompleted())
	err := s.env.GetWorkflowError()
	s.Require().Error(err)
	var appErr *temporal.ApplicationError
	s.Require().True(errors.As(err, &appErr), err.Error())
	s.Equal(activities.ErrBadInput, appErr.Type())
	return appErr.Message()
}

// Workflow inputs are hostile input: a crafted cycle (the probe of issue
// 11: an auto group's cycle whose ID walks into a sensitive group's
// artifacts), a foreign workflow ID, a bad group name or tuning out of
// bounds fail at once, before any provider call.
func (s *cycleSuite) TestHostileCycleInputsAreRefusedBeforeAnyWork() {
	for _, c := range []struct {
		name string
		id   string
		in   CycleInput
		want string
	}{
		{"path in the cycle", "probe", CycleInput{Group: "g", Cycle: "2026-W49/../../prod-sensitive/2026-W49", InstallNow: true},
			`cycle "2026-W49/../../prod-sensitive/2026-W49" is not an ISO week`},
		{"foreign workflow ID", "probe", CycleInput{Group: "g", Cycle: "2026-W47"}, `must run as patch-cycle/g/2026-W47, not "probe"`},
		{"another group's ID", "patch-cycle/prod-sensitive/2026-W47", CycleInput{Group: "g", Cycle: "2026-W47"}, "must run as patch-cycle/g/2026-W47"},
		{"week 54", "patch-cycle/g/2026-W54", CycleInput{Group: "g", Cycle: "2026-W54"}, "is not an ISO week"},
		{"group with a path", "patch-cycle/../x/2026-W47", CycleInput{Group: "../x", Cycle: "2026-W47"}, "is not a patch group name"},
		{"tuning", "patch-cycle/g/2026-W47", CycleInput{Group: "g", Cycle: "2026-W47", Tuning: Tuning{BatchParallelism: 5000}},
			"tuning.batchParallelism 5000 is not between 0 and 500"},
	} {
		s.env = s.newEnv()
		s.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: c.id})
		s.env.ExecuteWorkflow(PatchCycle, c.in)
		s.Contains(s.badInputError(), c.want, c.name)
		s.Empty(s.provider.calls, "%s: no provider call", c.name)
	}
}

// installNow moves installs out of the group's window, so only a group
// that allows on-demand runs accepts it.
func (s *cycleSuite) TestInstallNowNeedsAnOnDemandGroup() {
	s.pol.Groups["g"].OnDemand = false
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47", InstallNow: true})
	s.Contains(s.badInputError(), "group g does not allow installing outside its install window (installNow)")
	s.Empty(s.provider.calls)
}

// A Wave started by hand (not by its cycle) is refused: it could
// otherwise install a stored batch plan outside the cycle's control.
func (s *cycleSuite) TestAWaveRunsOnlyAsItsCyclesChild() {
	s.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "patch-cycle/g/2026-W47/wave-0"})
	s.env.ExecuteWorkflow(Wave, WaveInput{Run: activities.Run{Group: "g", Cycle: "2026-W47", ID: "r1"},
		Wave: activities.WavePlan{Index: 0, Instances: 1, Batches: 1}, Digest: "sha256:x", LastStart: sunday0100.Add(time.Hour)})
	s.Contains(s.badInputError(), "a Wave runs only as a child of patch-cycle/g/2026-W47")
	s.Empty(s.provider.calls)
}

// RetryFailed validates its input as PatchCycle does.
func (s *cycleSuite) TestHostileRetryInputsAreRefused() {
	s.pol = testPolicy(policy.ModeAuto, 0)
	s.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: "patch-cycle/g/2026-W47/retry-1"})
	s.env.ExecuteWorkflow(RetryFailed, RetryInput{Group: "g", Cycle: "2026-W47", Attempt: 2})
	s.Contains(s.badInputError(), "must run as patch-cycle/g/2026-W47/retry-2")
}

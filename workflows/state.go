package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// runState is what PatchCycle and RetryFailed share: the run, its status
// as the query shows it, the control signals and the phase timings.
type runState struct {
	run      activities.Run
	tuning   Tuning
	status   CycleStatus
	control  *control
	snapshot policy.Snapshot
	approved []string
	all      bool
	phases   []report.PhaseTiming
	// failure is the error that stopped a failed run.
	failure string
}

// setPhase records the phase for the query, the search attribute, the
// Web UI's details and the report's timings.
func (s *runState) setPhase(ctx workflow.Context, p Phase) {
	now := workflow.Now(ctx)
	if n := len(s.phases); n > 0 {
		s.phases[n-1].End = now
	}
	if p != PhaseDone {
		s.phases = append(s.phases, report.PhaseTiming{Phase: string(p), Start: now})
	}
	s.status.Phase = p
	value := string(p)
	if p == PhaseDone {
		value = string(s.status.Status)
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, PatchPhaseKey.ValueSet(value)); err != nil {
		workflow.GetLogger(ctx).Warn("cannot set PatchPhase", "error", err)
	}
	workflow.SetCurrentDetails(ctx, details(s.status))
}

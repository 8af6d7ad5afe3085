package activities

import (
	"context"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/report"
)

// PlanRetryInput asks for the plan of the n-th retry of a cycle.
type PlanRetryInput struct {
	Run Run `json:"run"` // Run.Retry is n >= 1
}

// RetryPlan is the plan of a retry, with the cycle's record it repeats.
type RetryPlan struct {
	Plan   Plan        `json:"plan"`
	Record ReportInput `json:"record"`
}

// PlanRetry plans a retry of a finished cycle: the instances whose latest
// outcome (the cycle's, overridden by earlier retries') is failed or not
// attempted for a halt, a closed window or a cancel, with the cycle's
// manifest restricted to its approval, in waves of the group's rollout.
func (a *Activities) PlanRetry(ctx context.Context, in PlanRetryInput) (RetryPlan, error) {
	base := in.Run.Base()
	var rec ReportInput
	found, err := getJSON(ctx, a.Store, base.recordKey(), &rec)
	if err != nil {
		return RetryPlan{}, err
	}
	if !found {
		return RetryPlan{}, badInput("cycle %s has not finished (no record of it)", base)
	}
	var stored Plan
	if found, err := getJSON(ctx, a.Store, in.Run.planKey(), &stored); err != nil || found {
		return RetryPlan{Plan: stored, Record: rec}, err
	}
	latest := map[string]outcome{}
	for r := 0; r < in.Run.Retry; r++ {
		run := Run{Group: base.Group, Cycle: base.Cycle, Retry: r}
		var outs []outcome
		found, err := getJSON(ctx, a.Store, run.outcomesKey(), &outs)
		if err != nil {
			return RetryPlan{}, err
		}
		if !found && r == 0 {
			return RetryPlan{}, badInput("cycle %s has no outcomes", base)
		}
		if !found {
			// Two retries must never install on the same instances at once.
			return RetryPlan{}, badInput("retry %d of cycle %s has not finished; wait for it (or cancel it) first", r, base)
		}
		for _, o := range outs {
			latest[o.ID] = o
		}
	}
	m, err := a.manifest(ctx, base)
	if err != nil {
		return RetryPlan{}, err
	}
	var reqs []fleet.InstanceInstallRequest
	for _, i := range m.Instances {
		o := latest[i.InstanceID]
		if !report.Retryable(o.Outcome, o.Reason) {
			continue
		}
		r := fleet.InstanceInstallRequest{InstanceID: i.InstanceID}
		for _, id := range i.PatchIDs {
			if rec.All || contains(rec.Approved, id) {
				r.PatchIDs = append(r.PatchIDs, id)
			}
		}
		if len(r.PatchIDs) > 0 {
			reqs = append(reqs, r)
		}
	}
	insts, err := a.instancesByID(ctx, base, len(reqs))
	if err != nil {
		return RetryPlan{}, err
	}
	plan, err := a.storePlan(ctx, in.Run, reqs, m.Patches, insts, rec.Snapshot.Group.Rollout)
	if err != nil {
		return RetryPlan{}, err
	}
	return RetryPlan{Plan: plan, Record: rec}, putJSON(ctx, a.Store, in.Run.planKey(), plan)
}

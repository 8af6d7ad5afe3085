package activities

import (
	"context"
	"slices"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// PrepareRetryInput names the n-th retry of a group's cycle.
type PrepareRetryInput struct {
	Group string `json:"group"`
	Cycle string `json:"cycle"`
	Retry int    `json:"retry"`
	// Owner is the first run ID of the RetryFailed workflow: the retry's
	// artifacts belong to it alone.
	Owner string `json:"owner"`
}

// RetryRecord is the finished cycle a retry repeats.
type RetryRecord struct {
	// Run is the retry's run: the cycle's run with Retry set.
	Run Run `json:"run"`
	// Record is what the cycle recorded when it finished. It comes from the
	// artifact store: its approval is verified again before it is used.
	Record ReportInput `json:"record"`
	// Patches are the IDs of the cycle's manifest patches, which a new
	// approval of the retry may name (PlanRetry checks the manifest).
	Patches []string `json:"patches,omitempty"`
}

// latestRun is the pointer to the newest finished run of a cycle.
type latestRun struct {
	ID string `json:"id"`
}

// ownerRecord says which RetryFailed workflow run owns a retry's artifacts.
type ownerRecord struct {
	Owner string `json:"owner"`
}

// PrepareRetry finds the newest finished run of the cycle, reads its
// record, and claims the retry's artifacts for this workflow run: a
// RetryFailed started again under the same ID is refused instead of
// silently reusing the first one's plan.
func (a *Activities) PrepareRetry(ctx context.Context, in PrepareRetryInput) (RetryRecord, error) {
	var latest latestRun
	found, err := getJSON(ctx, a.Store, latestKey(in.Group, in.Cycle), &latest)
	if err != nil {
		return RetryRecord{}, err
	}
	if !found {
		return RetryRecord{}, badInput("cycle %s/%s has not finished (no record of it)", in.Group, in.Cycle)
	}
	run := Run{Group: in.Group, Cycle: in.Cycle, ID: latest.ID, Retry: in.Retry}
	if err := run.Validate(); err != nil || in.Retry < 1 {
		return RetryRecord{}, badInput("retry %d of %s/%s: %v", in.Retry, in.Group, in.Cycle, err)
	}
	var rec ReportInput
	if found, err := getJSON(ctx, a.Store, run.Base().recordKey(), &rec); err != nil || !found {
		if err == nil {
			err = badInput("cycle %s has no record", run.Base())
		}
		return RetryRecord{}, err
	}
	var ids []string
	if rec.ManifestDigest != "" {
		var m Manifest
		if _, err := getJSON(ctx, a.Store, run.Base().manifestKey(), &m); err != nil {
			return RetryRecord{}, err
		}
		for _, p := range m.Patches {
			ids = append(ids, p.ID)
		}
	}
	key := run.Prefix() + "/owner.json"
	var owner ownerRecord
	if found, err := getJSON(ctx, a.Store, key, &owner); err != nil {
		return RetryRecord{}, err
	} else if found && owner.Owner != in.Owner {
		return RetryRecord{}, badInput("retry %d of %s already ran (workflow run %s); start retry %d instead", in.Retry, run.Base(), owner.Owner, in.Retry+1)
	}
	return RetryRecord{Run: run, Record: rec, Patches: ids}, putJSON(ctx, a.Store, key, ownerRecord{Owner: in.Owner})
}

// PlanRetryInput asks for the plan of a retry.
type PlanRetryInput struct {
	Run      Run      `json:"run"` // Run.Retry is n >= 1
	Approved Approved `json:"approved"`
	// Rollout is the group's current rollout policy.
	Rollout policy.Rollout `json:"rollout"`
}

// PlanRetry plans a retry of a finished cycle: the instances whose latest
// outcome (the cycle's, overridden by earlier retries') is failed or not
// attempted for a halt, a closed window or a cancel, with the cycle's
// manifest restricted to the approved patches, in waves of the group's
// rollout. The manifest and the approval are checked as PlanRollout checks
// them.
func (a *Activities) PlanRetry(ctx context.Context, in PlanRetryInput) (Plan, error) {
	_, stopBeats := heartbeater(ctx, "plan retry") // long at 100,000 servers: heartbeats say it is alive
	defer stopBeats()
	m, err := a.approvedManifest(ctx, in.Run, in.Approved)
	if err != nil {
		return Plan{}, err
	}
	var stored Plan
	if found, err := getJSON(ctx, a.Store, in.Run.planKey(), &stored); err != nil || found {
		return stored, err
	}
	base := in.Run.Base()
	latest := map[string]outcome{}
	for r := 0; r < in.Run.Retry; r++ {
		run := base
		run.Retry = r
		var outs []outcome
		found, err := getJSON(ctx, a.Store, run.outcomesKey(), &outs)
		if err != nil {
			return Plan{}, err
		}
		if !found && r == 0 {
			return Plan{}, badInput("cycle %s has no outcomes", base)
		}
		if !found {
			// Two retries must never install on the same instances at once.
			return Plan{}, badInput("retry %d of cycle %s has not finished; wait for it (or cancel it) first", r, base)
		}
		for _, o := range outs {
			latest[o.ID] = o
		}
	}
	var reqs []fleet.InstanceInstallRequest
	for _, i := range m.Instances {
		o := latest[i.InstanceID]
		if !report.Retryable(o.Outcome, o.Reason) {
			continue
		}
		r := fleet.InstanceInstallRequest{InstanceID: i.InstanceID}
		for _, id := range i.PatchIDs {
			if in.Approved.All || slices.Contains(in.Approved.Patches, id) {
				r.PatchIDs = append(r.PatchIDs, id)
			}
		}
		if len(r.PatchIDs) > 0 {
			reqs = append(reqs, r)
		}
	}
	insts, err := a.instancesByID(ctx, base, len(reqs))
	if err != nil {
		return Plan{}, err
	}
	plan, err := a.storePlan(ctx, in.Run, reqs, m.Patches, insts, in.Rollout)
	if err != nil {
		return Plan{}, err
	}
	return plan, putJSON(ctx, a.Store, in.Run.planKey(), plan)
}

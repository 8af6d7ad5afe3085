package activities

import (
	"context"

	"github.com/fleetpatch/fleetpatch/policy"
)

// SnapshotPolicy loads the policy and returns the group's self-contained
// snapshot. The snapshot is recorded in the workflow's history: the audit
// trail of which baselines were in force for the cycle.
func (a *Activities) SnapshotPolicy(ctx context.Context, group string) (policy.Snapshot, error) {
	p, err := a.LoadPolicy()
	if err != nil {
		// A broken policy file is fixed by a person, then the retry succeeds.
		return policy.Snapshot{}, err
	}
	s, err := p.Snapshot(group)
	if err != nil {
		return policy.Snapshot{}, badInput("%v", err)
	}
	return s, nil
}

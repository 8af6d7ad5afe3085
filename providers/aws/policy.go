package aws

import (
	"context"
	"fmt"

	"github.com/fleetpatch/fleetpatch/policy"
)

// PolicyBaselines gives a scan the baselines of the group groupOf names
// for its ctx (the worker passes the cycle's group), read from the policy
// that load returns. Without a group there are none (the nodes' own
// baselines apply).
func PolicyBaselines(load func() (*policy.Policy, error), groupOf func(context.Context) string) BaselineSource {
	return func(ctx context.Context) (Baselines, error) {
		group := groupOf(ctx)
		if group == "" {
			return nil, nil
		}
		pol, err := load()
		if err != nil {
			return nil, err
		}
		snap, err := pol.Snapshot(group)
		if err != nil {
			return nil, err
		}
		return Baselines(snap.Baselines), nil
	}
}

// FromPolicy builds the provider over the policy's AWS targets, with the
// scan baselines taken from the policy by PolicyBaselines.
func FromPolicy(ctx context.Context, load func() (*policy.Policy, error), groupOf func(context.Context) string, cfg Config) (*Provider, error) {
	pol, err := load()
	if err != nil {
		return nil, err
	}
	if len(pol.Targets.AWS) == 0 {
		return nil, fmt.Errorf("provider aws: the policy lists no AWS targets")
	}
	cfg.Targets = pol.Targets.AWS
	cfg.Baselines = PolicyBaselines(load, groupOf)
	return New(ctx, cfg)
}

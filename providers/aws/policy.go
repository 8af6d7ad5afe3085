package aws

import (
	"context"
	"fmt"

	"github.com/fleetpatch/fleetpatch/policy"
)

// FromPolicy builds the provider over the policy's AWS targets. Scans take
// their baselines from the call's context (policy.WithBaselines), which the
// cycle's activities fill from the cycle's policy snapshot.
func FromPolicy(ctx context.Context, pol *policy.Policy, cfg Config) (*Provider, error) {
	if len(pol.Targets.AWS) == 0 {
		return nil, fmt.Errorf("provider aws: the policy lists no AWS targets")
	}
	cfg.Targets = pol.Targets.AWS
	return New(ctx, cfg)
}

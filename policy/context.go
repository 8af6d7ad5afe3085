package policy

import (
	"context"

	"github.com/fleetpatch/fleetpatch/fleet"
)

type baselinesKey struct{}

// WithBaselines returns a context that carries the baselines in force for
// the provider calls made with it (a cycle's snapshot), for providers whose
// cloud evaluates a baseline itself (AWS-RunPatchBaseline's
// BaselineOverride).
func WithBaselines(ctx context.Context, b map[fleet.OSFamily]Baseline) context.Context {
	return context.WithValue(ctx, baselinesKey{}, b)
}

// BaselinesFrom returns the baselines WithBaselines set, if any.
func BaselinesFrom(ctx context.Context) (map[fleet.OSFamily]Baseline, bool) {
	b, ok := ctx.Value(baselinesKey{}).(map[fleet.OSFamily]Baseline)
	return b, ok
}

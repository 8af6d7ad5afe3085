package aws

import (
	"context"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// WithCallKey is fleet.WithCallKey: a retry of the call (in this process
// or another) with the same key resumes the call's AWS-RunPatchBaseline
// commands instead of sending new ones, and a call with another key sends
// its own. The activities name their calls by run, wave, batch and step.
func WithCallKey(ctx context.Context, key string) context.Context {
	return fleet.WithCallKey(ctx, key)
}

// callKey names the call ctx belongs to, the same in every attempt of it,
// or "" (calls are then told apart only by their batch).
func callKey(ctx context.Context) string { return fleet.CallKey(ctx) }

package aws

import (
	"context"
	"encoding/json"
	"sort"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

// Baselines are a group's patch baselines by OS family.
type Baselines map[fleet.OSFamily]policy.Baseline

// BaselineSource returns the baselines a Scan called with ctx must
// evaluate, or nil to scan with the nodes' own (default or patch group)
// baselines.
type BaselineSource func(ctx context.Context) (Baselines, error)

// WithBaselines returns a context whose Scan calls evaluate b, passed to
// AWS-RunPatchBaseline as its BaselineOverride (policy.WithBaselines; the
// cycle's activities set the snapshot's baselines so). It takes precedence
// over Config.Baselines.
func WithBaselines(ctx context.Context, b Baselines) context.Context {
	return policy.WithBaselines(ctx, b)
}

// baselinesFor returns the baselines of a Scan call.
func (p *Provider) baselinesFor(ctx context.Context) (Baselines, error) {
	if b, ok := policy.BaselinesFrom(ctx); ok {
		return b, nil
	}
	if p.cfg.Baselines != nil {
		return p.cfg.Baselines(ctx)
	}
	return nil, nil
}

// overrideJSON is the BaselineOverride file: a JSON list of baselines, one
// per operating system, in a fixed order
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-baselineoverride-parameter.html).
func overrideJSON(b Baselines) ([]byte, error) {
	oss := make([]string, 0, len(b))
	for os := range b {
		oss = append(oss, string(os))
	}
	sort.Strings(oss)
	list := make([]policy.Baseline, 0, len(oss))
	for _, os := range oss {
		bl := b[fleet.OSFamily(os)]
		if bl.OperatingSystem == "" {
			bl.OperatingSystem = os
		}
		list = append(list, bl)
	}
	return json.MarshalIndent(list, "", "  ")
}

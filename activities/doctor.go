package activities

import (
	"context"
	"slices"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// DoctorInput asks for the pre-flight check of a group's instances now.
type DoctorInput struct {
	Group string `json:"group"`
	// Limit bounds the instances listed with findings (default 100).
	Limit int `json:"limit,omitempty"`
}

// DoctorResult is what the pre-flight check found on the group, now.
type DoctorResult struct {
	Group      string `json:"group"`
	Discovered int    `json:"discovered"`
	PreflightSummary
}

// doctorLimit is the default and the most instances a DoctorResult lists.
const (
	doctorLimit    = 100
	doctorLimitMax = 1000
)

// Doctor discovers the group's instances (its selector from the policy in
// force) and runs the pre-flight check on all of them, as `starter doctor`
// asks: what would keep each from being patched in the next window. It
// stores nothing.
func (a *Activities) Doctor(ctx context.Context, in DoctorInput) (DoctorResult, error) {
	if in.Limit < 0 || in.Limit > doctorLimitMax {
		return DoctorResult{}, badInput("limit %d is not between 0 and %d", in.Limit, doctorLimitMax)
	}
	limit := in.Limit
	if limit == 0 {
		limit = doctorLimit
	}
	p, err := a.LoadPolicy()
	if err != nil {
		return DoctorResult{}, err
	}
	g, err := p.Group(in.Group)
	if err != nil {
		return DoctorResult{}, badInput("%v", err)
	}
	insts, err := a.Provider.Discover(ctx, g.Selector)
	if err != nil {
		return DoctorResult{}, providerError("discover", err)
	}
	res := DoctorResult{Group: in.Group, Discovered: len(insts)}
	if _, ok := a.Provider.(fleet.Preflighter); !ok {
		res.Checked, res.Unsupported = len(insts), "the provider has no pre-flight check"
		return res, nil
	}
	ids := make([]string, len(insts))
	for i, x := range insts {
		ids[i] = x.ID
	}
	slices.Sort(ids)
	progress, stop := heartbeater(ctx, "doctor")
	defer stop()
	found, err := a.checkInstances(ctx, ids, progress)
	if err != nil {
		return DoctorResult{}, err
	}
	res.PreflightSummary = summarize(found)
	var listed []fleet.Preflight
	for _, f := range found {
		if len(f.Findings) > 0 && f.Blocked() {
			listed = append(listed, f)
		}
	}
	for _, f := range found {
		if len(f.Findings) > 0 && !f.Blocked() {
			listed = append(listed, f)
		}
	}
	res.Examples = listed[:min(len(listed), limit)]
	return res, nil
}

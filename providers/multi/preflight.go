package multi

import (
	"context"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Preflighter = (*Provider)(nil)

// Preflight checks each cloud's instances through that cloud's provider,
// in parallel, and returns the results in the request's order. An
// instance of no configured cloud gets a blocking not-found finding; one
// of a cloud whose provider cannot check (does not implement
// fleet.Preflighter) a check-failed warning, as the providers report a
// check they could not make. A part's error fails the call.
func (p *Provider) Preflight(ctx context.Context, instanceIDs []string) ([]fleet.Preflight, error) {
	return fanOut(p, instanceIDs, nil,
		func(id string) fleet.Preflight {
			return fleet.Preflight{InstanceID: id, Findings: []fleet.DriftFinding{{Check: fleet.DriftUnknownInstance, Detail: noProvider(id), Blocks: true}}}
		},
		func(r fleet.Preflight) string { return r.InstanceID },
		func(pt *part, _ fleet.Progress) ([]fleet.Preflight, error) {
			pf, ok := pt.prov.(fleet.Preflighter)
			if !ok {
				return each(pt, func(id string) fleet.Preflight {
					return fleet.Preflight{InstanceID: id, Findings: []fleet.DriftFinding{
						{Check: fleet.DriftCheckFailed, Detail: "not checked: " + lacks(pt.cloud, "run pre-flight checks", "fleet.Preflighter")}}}
				}), nil
			}
			return pf.Preflight(ctx, pt.ids)
		})
}

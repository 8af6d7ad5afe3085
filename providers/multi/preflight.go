package multi

import (
	"context"
	"slices"

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
	parts, bad := p.split(instanceIDs)
	out := make([]fleet.Preflight, len(instanceIDs))
	for _, i := range bad {
		out[i] = fleet.Preflight{InstanceID: instanceIDs[i], Findings: []fleet.DriftFinding{
			{Check: fleet.DriftUnknownInstance, Detail: noProvider(instanceIDs[i]), Blocks: true}}}
	}
	results := make([][]fleet.Preflight, len(parts))
	err := run(parts, func(pt *part) error {
		k := slices.Index(parts, pt)
		pf, ok := pt.prov.(fleet.Preflighter)
		if !ok {
			for _, id := range pt.ids {
				results[k] = append(results[k], fleet.Preflight{InstanceID: id, Findings: []fleet.DriftFinding{
					{Check: fleet.DriftCheckFailed, Detail: "not checked: " + lacks(pt.cloud, "run pre-flight checks", "fleet.Preflighter")}}})
			}
			return nil
		}
		r, err := pf.Preflight(ctx, pt.ids)
		results[k] = r
		return err
	})
	if err != nil {
		return nil, err
	}
	for k, pt := range parts {
		place(out, pt, results[k], func(r fleet.Preflight) string { return r.InstanceID })
	}
	return out, nil
}

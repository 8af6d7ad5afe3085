package multi

import (
	"context"
	"slices"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.ReleaseUpgrader = (*Provider)(nil)

// UpgradeRelease moves each cloud's Amazon Linux 2023 instances through
// that cloud's provider, in parallel, and returns the results in the
// request's order. An instance of no configured cloud, or of a cloud whose
// provider cannot move release versions (does not implement
// fleet.ReleaseUpgrader), carries an error. A part's error fails the call.
func (p *Provider) UpgradeRelease(ctx context.Context, ids []string, version string) ([]fleet.ReleaseUpgrade, error) {
	parts, bad := p.split(ids)
	out := make([]fleet.ReleaseUpgrade, len(ids))
	for _, i := range bad {
		out[i] = fleet.ReleaseUpgrade{InstanceID: ids[i], Error: noProvider(ids[i])}
	}
	results := make([][]fleet.ReleaseUpgrade, len(parts))
	err := run(parts, func(pt *part) error {
		k := slices.Index(parts, pt)
		u, ok := pt.prov.(fleet.ReleaseUpgrader)
		if !ok {
			for _, id := range pt.ids {
				results[k] = append(results[k], fleet.ReleaseUpgrade{InstanceID: id,
					Error: "not moved: " + lacks(pt.cloud, "move Amazon Linux 2023 release versions", "fleet.ReleaseUpgrader")})
			}
			return nil
		}
		r, err := u.UpgradeRelease(ctx, pt.ids, version)
		results[k] = r
		return err
	})
	if err != nil {
		return nil, err
	}
	for k, pt := range parts {
		place(out, pt, results[k], func(r fleet.ReleaseUpgrade) string { return r.InstanceID })
	}
	return out, nil
}

package multi

import (
	"context"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.ReleaseUpgrader = (*Provider)(nil)

// UpgradeRelease moves each cloud's Amazon Linux 2023 instances through
// that cloud's provider, in parallel, and returns the results in the
// request's order. An instance of no configured cloud, or of a cloud whose
// provider cannot move release versions (does not implement
// fleet.ReleaseUpgrader), carries an error. A part's error fails the call.
func (p *Provider) UpgradeRelease(ctx context.Context, ids []string, version string) ([]fleet.ReleaseUpgrade, error) {
	return fanOut(p, ids, nil,
		func(id string) fleet.ReleaseUpgrade {
			return fleet.ReleaseUpgrade{InstanceID: id, Error: noProvider(id)}
		},
		func(r fleet.ReleaseUpgrade) string { return r.InstanceID },
		func(pt *part, _ fleet.Progress) ([]fleet.ReleaseUpgrade, error) {
			u, ok := pt.prov.(fleet.ReleaseUpgrader)
			if !ok {
				return each(pt, func(id string) fleet.ReleaseUpgrade {
					return fleet.ReleaseUpgrade{InstanceID: id,
						Error: "not moved: " + lacks(pt.cloud, "move Amazon Linux 2023 release versions", "fleet.ReleaseUpgrader")}
				}), nil
			}
			return u.UpgradeRelease(ctx, pt.ids, version)
		})
}

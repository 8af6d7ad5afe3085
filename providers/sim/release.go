package sim

import (
	"context"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.ReleaseUpgrader = (*Provider)(nil)

// OpUpgradeRelease names UpgradeRelease in the call log.
const OpUpgradeRelease Operation = "UpgradeRelease"

// UpgradeRelease moves at most fleet.MaxBatch Amazon Linux 2023 instances
// to the release version (see cloudsim.Fleet.UpgradeRelease).
func (p *Provider) UpgradeRelease(ctx context.Context, ids []string, version string) ([]fleet.ReleaseUpgrade, error) {
	if err := p.checkBatch(OpUpgradeRelease, len(ids)); err != nil {
		return nil, err
	}
	if err := p.pace(ctx, ids, azureWrite); err != nil {
		return nil, err
	}
	res, err := p.fleet.UpgradeRelease(ctx, ids, version)
	p.log(OpUpgradeRelease, len(ids), err)
	return res, err
}

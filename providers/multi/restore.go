package multi

import (
	"context"
	"fmt"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Restorer = (*Provider)(nil)

// Restore restores the instance through its cloud's provider. An instance
// of no configured cloud fails with fleet.ErrPermanent; one whose cloud's
// provider cannot restore (does not implement fleet.Restorer) fails with
// fleet.ErrRestoreNotAvailable.
func (p *Provider) Restore(ctx context.Context, req fleet.RestoreRequest) (fleet.RestoreResult, error) {
	c := CloudOf(req.InstanceID)
	prov := p.clouds[c]
	if prov == nil {
		return fleet.RestoreResult{}, fmt.Errorf("%s: %w", noProvider(req.InstanceID), fleet.ErrPermanent)
	}
	r, ok := prov.(fleet.Restorer)
	if !ok {
		return fleet.RestoreResult{}, fmt.Errorf("restore --apply is not available for %s instances: run the printed steps: %w", c, fleet.ErrRestoreNotAvailable)
	}
	return r.Restore(ctx, req)
}

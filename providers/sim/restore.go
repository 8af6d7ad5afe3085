package sim

import (
	"context"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Restorer = (*Provider)(nil)

// OpRestore is the operation of a restore in the call log.
const OpRestore Operation = "Restore"

// Restore rolls a simulated instance's disks back to its snapshots (see
// cloudsim.Fleet.Restore: a root disk's snapshot puts back the package
// versions of the moment it was taken and reboots the instance, a data
// disk's is recorded; idempotent per fleet.CallKey; waits on the fleet's
// clock), paced like a write. The log counts the disks asked for.
func (p *Provider) Restore(ctx context.Context, req fleet.RestoreRequest) (fleet.RestoreResult, error) {
	if err := p.pace(ctx, []string{req.InstanceID}, azureWrite); err != nil {
		return fleet.RestoreResult{}, err
	}
	out, err := p.fleet.Restore(ctx, req)
	p.log(OpRestore, len(req.Snapshots), err)
	return out, err
}

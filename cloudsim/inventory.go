package cloudsim

import (
	"context"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Inventory reads the installed packages and versions of the instances
// (for Windows: the update slots and their OS build or product version).
// Like SSM Inventory it is the last collected data, so it answers for
// offline and rebooting instances too; unknown IDs carry an error.
func (f *Fleet) Inventory(ctx context.Context, instanceIDs []string) ([]fleet.Inventory, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := f.throttle("Inventory"); err != nil {
		return nil, err
	}
	return f.installed(instanceIDs), nil
}

// Installed reads the installed packages and versions like Inventory, of
// every instance when ids is empty, without being a fleet call: it is
// neither throttled nor counted (for checks and admin reads).
func (f *Fleet) Installed(instanceIDs ...string) []fleet.Inventory {
	if len(instanceIDs) == 0 {
		instanceIDs = f.IDs()
	}
	return f.installed(instanceIDs)
}

func (f *Fleet) installed(instanceIDs []string) []fleet.Inventory {
	now := f.clock.Now()
	out := make([]fleet.Inventory, len(instanceIDs))
	for i, id := range instanceIDs {
		out[i] = fleet.Inventory{InstanceID: id}
		m := f.byID[id]
		if m == nil {
			out[i].Error = errNotFound(id)
			continue
		}
		f.lock(m)
		m.settle(now)
		pkgs := make([]fleet.InstalledPackage, 0, len(m.installed))
		for ci, c := range m.rel.Components {
			if m.installed[ci] >= 0 {
				pkgs = append(pkgs, fleet.InstalledPackage{Name: c.Name, Version: m.version(ci)})
			}
		}
		f.unlock(m)
		out[i].Packages = pkgs
	}
	return out
}

package cloudsim

import "github.com/fleetpatch/fleetpatch/fleet"

// CatalogPatches returns the definitions of every update of an OS product
// (for example "Ubuntu22.04", or "MicrosoftDefenderAntivirus" for the
// Defender updates that every Windows Server release shares), in catalog
// order and without duplicates; nil for an unknown product. The local AWS
// emulator (cloudsim/awsfront) answers DescribeAvailablePatches from it.
func (f *Fleet) CatalogPatches(product string) []fleet.Patch {
	var out []fleet.Patch
	seen := map[string]bool{}
	for _, r := range f.cat.releases {
		for ci := range r.Components {
			p := r.Components[ci].Patch
			if p == nil || seen[p.ID] || (r.Product != product && p.Product != product) {
				continue
			}
			if r.Product == product && p.Product != product && p.Product != "" {
				// A shared update (Defender) belongs to its own product.
				continue
			}
			seen[p.ID] = true
			out = append(out, clonePatch(p))
		}
	}
	return out
}

package policy

import (
	"fmt"
	"sort"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Group returns the named patch group.
func (p *Policy) Group(name string) (*Group, error) {
	g, ok := p.Groups[name]
	if !ok {
		names := make([]string, 0, len(p.Groups))
		for n := range p.Groups {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("policy: no group %q (groups: %v)", name, names)
	}
	return g, nil
}

// OSFamilies lists the OS families the group may meet: selector.os, or
// every supported family when the selector does not restrict the OS.
func (g *Group) OSFamilies() []fleet.OSFamily {
	if len(g.Selector.OS) > 0 {
		return append([]fleet.OSFamily(nil), g.Selector.OS...)
	}
	return append([]fleet.OSFamily(nil), fleet.OSFamilies...)
}

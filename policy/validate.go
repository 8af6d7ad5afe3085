package policy

import (
	"sort"
	"strings"
)

// Validate checks the whole policy and returns every problem as *Errors,
// or nil. Load already calls it; call it again after changing a Policy in
// code. Positions are known only for policies read from files.
func (p *Policy) Validate() error {
	c := newCollector()
	for k, v := range p.pos {
		c.pos[k] = v
	}
	p.validate(c)
	return c.result()
}

func (p *Policy) validate(c *collector) {
	for _, name := range sortedKeys(p.Baselines) {
		validateBaseline(c, itemPath("baselines", name), p.Baselines[name])
	}
	for _, name := range sortedKeys(p.Windows) {
		validateWindow(c, itemPath("windows", name), p.Windows[name])
	}
	validateTargets(c, p.Targets)
	for _, name := range sortedKeys(p.Groups) {
		p.validateGroup(c, itemPath("groups", name), p.Groups[name])
	}
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

// itemPath is the field path of a named item: groups.<name>, or
// groups[<index>] for an item without a name.
func itemPath(kind, name string) string {
	if strings.HasPrefix(name, "[") {
		return kind + name
	}
	return kind + "." + name
}

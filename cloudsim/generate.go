package cloudsim

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Generate builds a fleet from cfg. It is deterministic: the same Seed,
// Instances, Now and mixes give the same instances, IDs, tags, installed
// versions and available updates. Instance i depends only on the seed and
// i, so a larger fleet of the same seed starts with the same servers.
func Generate(cfg Config) *Fleet {
	start := cfg.Now
	cfg = cfg.withDefaults()
	clock := cfg.Clock
	if clock == nil {
		if start.IsZero() {
			start = time.Now().UTC()
		}
		clock = NewRealClock(start, cfg.Speed)
	}
	cat := buildCatalog(cfg.Now)
	f := newFleet(cfg, cat, clock)
	g := generator{cfg: cfg, cat: cat, groups: cfg.Groups, used: make(map[string]bool, cfg.Instances)}
	g.osAll, g.osAzure = g.osMixes()
	for i := range cfg.Instances {
		f.add(g.machine(i))
	}
	return f
}

// generator holds what Generate needs while it builds instances.
type generator struct {
	cfg            Config
	cat            *catalog
	groups         []Share
	osAll, osAzure []Share
	used           map[string]bool
}

// osMixes returns the OS mix for every server, and for Azure (no Amazon
// Linux), dropping unknown products.
func (g *generator) osMixes() (all, azure []Share) {
	for _, s := range g.cfg.OSMix {
		r := g.cat.byProduct[s.Key]
		if r == nil || s.Weight <= 0 {
			continue
		}
		all = append(all, s)
		if r.OS != fleet.OSAmazonLinux2 && r.OS != fleet.OSAmazonLinux2023 {
			azure = append(azure, s)
		}
	}
	if len(all) == 0 {
		return g.osMixesOf(DefaultOSMix())
	}
	if len(azure) == 0 {
		azure = all
	}
	return all, azure
}

func (g *generator) osMixesOf(mix []Share) (all, azure []Share) {
	g.cfg.OSMix = mix
	return g.osMixes()
}

// pick draws a key by weight.
func pick(r *rand.Rand, shares []Share) string {
	total := 0.0
	for _, s := range shares {
		total += max(s.Weight, 0)
	}
	x := r.Float64() * total
	for _, s := range shares {
		if x < s.Weight {
			return s.Key
		}
		x -= max(s.Weight, 0)
	}
	return shares[len(shares)-1].Key
}

// oneOf draws one element uniformly.
func oneOf(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// roles name servers by what they do, per patch group.
var roles = map[string][]string{
	GroupProdSensitive: {"db", "payments", "ledger", "auth"},
	GroupProdAuto:      {"web", "api", "worker", "cache", "queue"},
	GroupJumpLog:       {"jump", "log"},
	GroupNonprod:       {"dev", "stg", "qa", "ci"},
}

// resourceGroup puts nonprod VMs in the last resource group and the others
// in the rest, when there are two or more.
func resourceGroup(r *rand.Rand, rgs []string, env string) string {
	switch {
	case len(rgs) < 2:
		return rgs[0]
	case env == "nonprod":
		return rgs[len(rgs)-1]
	default:
		return oneOf(r, rgs[:len(rgs)-1])
	}
}

// environment returns the Environment tag of a patch group.
func environment(group string) string {
	switch group {
	case GroupNonprod:
		return "nonprod"
	case GroupJumpLog:
		return "shared"
	default:
		return "prod"
	}
}

// machine generates instance i.
func (g *generator) machine(i int) *machine {
	r := rand.New(rand.NewPCG(uint64(g.cfg.Seed), mix64(uint64(i)+0x9e3779b97f4a7c15)))
	group := pick(r, g.groups)
	azure := r.Float64() < g.cfg.AzureShare
	osMix := g.osAll
	if azure {
		osMix = g.osAzure
	}
	rel := g.cat.byProduct[pick(r, osMix)]
	env := environment(group)
	role := "srv"
	if rs := roles[group]; len(rs) > 0 {
		role = oneOf(r, rs)
	}
	name := fmt.Sprintf("%s-%s-%05d", role, env, i)
	in := fleet.Instance{
		Name: name, OS: rel.OS, OSVersion: rel.OSVersion, Platform: rel.Platform,
		Tags: map[string]string{TagPatchGroup: group, TagName: name, TagEnvironment: env},
	}
	if azure {
		in.Cloud = fleet.CloudAzure
		in.Account = oneOf(r, g.cfg.AzureSubscriptions)
		in.ResourceGroup = resourceGroup(r, g.cfg.AzureResourceGroups, env)
		in.Region = oneOf(r, g.cfg.AzureRegions)
		in.Name = "vm-" + name
		in.Tags[TagName] = in.Name
		in.ID = "/subscriptions/" + in.Account + "/resourceGroups/" + in.ResourceGroup +
			"/providers/Microsoft.Compute/virtualMachines/" + in.Name
	} else {
		in.Cloud = fleet.CloudAWS
		in.Account = oneOf(r, g.cfg.AWSAccounts)
		in.Region = oneOf(r, g.cfg.AWSRegions)
		prefix := "i-0"
		if r.Float64() < g.cfg.HybridShare {
			prefix = "mi-0"
		}
		for in.ID == "" || g.used[in.ID] {
			in.ID = fmt.Sprintf("%s%016x", prefix, r.Uint64())
		}
	}
	g.used[in.ID] = true
	m := &machine{
		static:    in,
		rel:       rel,
		installed: installedVersions(r, rel, r.Float64() < g.cfg.CompliantShare),
		lastBoot:  g.cfg.Now.Add(-time.Hour - time.Duration(r.Int64N(int64(45*24*time.Hour)))).Truncate(time.Second),
	}
	return m
}

// installedVersions draws the installed version of each package: a
// compliant server has the newest of each; the others lag behind by a
// staleness of their own, so servers miss different subsets.
func installedVersions(r *rand.Rand, rel *release, compliant bool) []int8 {
	staleness := 0.15 + 0.8*r.Float64()
	out := make([]int8, len(rel.Components))
	for ci := range rel.Components {
		c := &rel.Components[ci]
		present := c.Presence <= 0 || r.Float64() < c.Presence
		behind := r.Float64() < staleness
		older := int8(0)
		if n := len(c.Versions) - 1; n > 0 {
			older = int8(r.IntN(n))
		}
		switch {
		case !present:
			out[ci] = -1
		case compliant || !behind:
			out[ci] = c.latest()
		default:
			out[ci] = older
		}
	}
	return out
}

package report

import (
	"sort"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// FleetSchemaVersion is the version of the fleet roll-up's JSON schema.
const FleetSchemaVersion = "fleetpatch.fleet-report/v1"

// Fleet is the roll-up of one cycle over every patch group: compliance per
// group and OS, the servers still missing security patches, the CVEs most
// often still open, and each group's approval.
type Fleet struct {
	Schema      string    `json:"schema"`
	Cycle       string    `json:"cycle"`
	GeneratedAt time.Time `json:"generatedAt"`
	// Servers and Compliant count every reported instance and those patched
	// or already compliant (see Outcome.Compliant).
	Servers   int             `json:"servers"`
	Compliant int             `json:"compliant"`
	Counts    map[Outcome]int `json:"counts"`
	Groups    []FleetGroup    `json:"groups"`
	ByOS      []FleetOS       `json:"byOS"`
	// MissingSecurity lists the servers still missing security patches.
	MissingSecurity []ServerMissing `json:"missingSecurity"`
	// TopCVEs are the CVEs still open on the most servers.
	TopCVEs []CVEStat `json:"topCves"`
}

// FleetGroup is one group's part of the roll-up.
type FleetGroup struct {
	Group string `json:"group"`
	Mode  string `json:"mode,omitempty"`
	// Status is the cycle's final status, or "no-report" when the cycle has
	// not written one yet (still running, or waiting for approval).
	Status string `json:"status"`
	// Retries is how many RetryFailed runs were merged in (a retry's
	// outcome replaces the cycle's for the instances it re-ran).
	Retries int `json:"retries,omitempty"`
	// Approval is pending, approved, rejected, expired or empty (no
	// approval needed); ApprovedBy and ApprovedAt tell who decided when.
	Approval   string          `json:"approval,omitempty"`
	ApprovedBy string          `json:"approvedBy,omitempty"`
	ApprovedAt time.Time       `json:"approvedAt,omitzero"`
	Servers    int             `json:"servers"`
	Compliant  int             `json:"compliant"`
	Counts     map[Outcome]int `json:"counts"`
	ByOS       []FleetOS       `json:"byOS,omitempty"`
}

// FleetOS is the compliance of one OS family (in a group or the fleet).
type FleetOS struct {
	OS        fleet.OSFamily  `json:"os"`
	Servers   int             `json:"servers"`
	Compliant int             `json:"compliant"`
	Counts    map[Outcome]int `json:"counts"`
}

// ServerMissing is a server still missing security patches.
type ServerMissing struct {
	Group   string         `json:"group"`
	ID      string         `json:"id"`
	Name    string         `json:"name"`
	OS      fleet.OSFamily `json:"os"`
	Outcome Outcome        `json:"outcome"`
	Reason  string         `json:"reason,omitempty"`
	// Patches are the missing security patch IDs; CVEs what they fix.
	Patches []string `json:"patches"`
	CVEs    []string `json:"cves,omitempty"`
}

// CVEStat is one CVE still open after the cycle.
type CVEStat struct {
	CVE     string   `json:"cve"`
	Servers int      `json:"servers"`
	Groups  []string `json:"groups"`
	Patches []string `json:"patches"`
}

// FleetTopCVEs is how many CVEs the roll-up lists.
const FleetTopCVEs = 20

// FleetBuilder accumulates groups' reports into a Fleet.
type FleetBuilder struct {
	f      *Fleet
	groups map[string]*FleetGroup
	fleet  map[fleet.OSFamily]*FleetOS
	byOS   map[string]map[fleet.OSFamily]*FleetOS
	cves   map[string]*cveAcc
}

type cveAcc struct {
	servers int
	groups  map[string]bool
	patches map[string]bool
}

// NewFleetBuilder starts the roll-up of a cycle.
func NewFleetBuilder(cycle string, generatedAt time.Time) *FleetBuilder {
	return &FleetBuilder{f: &Fleet{Schema: FleetSchemaVersion, Cycle: cycle, GeneratedAt: generatedAt, Counts: map[Outcome]int{}},
		groups: map[string]*FleetGroup{}, fleet: map[fleet.OSFamily]*FleetOS{}, byOS: map[string]map[fleet.OSFamily]*FleetOS{},
		cves: map[string]*cveAcc{}}
}

// Group records a group's header (its latest run's status and approval).
// A group named with an empty header (Status "no-report") shows as
// waiting; approval-mode groups without a decision show as pending.
func (b *FleetBuilder) Group(group, mode string, h *Header, retries int) {
	g := b.group(group)
	g.Mode, g.Retries = first(mode, g.Mode), retries
	if h == nil {
		g.Status = "no-report"
		if g.Mode == "approval" {
			g.Approval = "pending"
		}
		return
	}
	g.Mode, g.Status = first(h.Mode, g.Mode), h.Status
	switch {
	case h.Approval != nil:
		g.Approval, g.ApprovedBy, g.ApprovedAt = h.Approval.Decision, h.Approval.By, h.Approval.At
	case g.Mode == "approval" && h.ManifestDigest != "" && h.Status != "completed":
		g.Approval = "none"
	}
}

func (b *FleetBuilder) group(name string) *FleetGroup {
	g := b.groups[name]
	if g == nil {
		g = &FleetGroup{Group: name, Status: "no-report", Counts: map[Outcome]int{}}
		b.groups[name] = g
		b.byOS[name] = map[fleet.OSFamily]*FleetOS{}
	}
	return g
}

// Instance adds one instance's final outcome in a group.
func (b *FleetBuilder) Instance(group string, i *Instance) {
	g := b.group(group)
	ok := i.Outcome.Compliant()
	count := func(servers, compliant *int, counts map[Outcome]int) {
		*servers++
		if ok {
			*compliant++
		}
		counts[i.Outcome]++
	}
	count(&b.f.Servers, &b.f.Compliant, b.f.Counts)
	count(&g.Servers, &g.Compliant, g.Counts)
	for _, m := range []map[fleet.OSFamily]*FleetOS{b.fleet, b.byOS[group]} {
		o := m[i.OS]
		if o == nil {
			o = &FleetOS{OS: i.OS, Counts: map[Outcome]int{}}
			m[i.OS] = o
		}
		count(&o.Servers, &o.Compliant, o.Counts)
	}
	sm := ServerMissing{Group: group, ID: i.ID, Name: i.Name, OS: i.OS, Outcome: i.Outcome, Reason: i.Reason}
	cves := map[string]bool{}
	for _, m := range i.Missing {
		if !m.IsSecurity() {
			continue
		}
		sm.Patches = append(sm.Patches, m.PatchID)
		for _, c := range m.CVEs {
			if cves[c] {
				continue
			}
			cves[c] = true
			sm.CVEs = append(sm.CVEs, c)
			a := b.cves[c]
			if a == nil {
				a = &cveAcc{groups: map[string]bool{}, patches: map[string]bool{}}
				b.cves[c] = a
			}
			a.servers++
			a.groups[group] = true
		}
		for _, c := range m.CVEs {
			b.cves[c].patches[m.PatchID] = true
		}
	}
	if len(sm.Patches) > 0 {
		sort.Strings(sm.Patches)
		sort.Strings(sm.CVEs)
		b.f.MissingSecurity = append(b.f.MissingSecurity, sm)
	}
}

// Fleet returns the roll-up, every list sorted.
func (b *FleetBuilder) Fleet() *Fleet {
	f := b.f
	f.Groups = f.Groups[:0]
	for _, name := range sortedKeys(b.groups) {
		g := b.groups[name]
		g.ByOS = osList(b.byOS[name])
		f.Groups = append(f.Groups, *g)
	}
	f.ByOS = osList(b.fleet)
	sort.Slice(f.MissingSecurity, func(i, j int) bool {
		a, c := f.MissingSecurity[i], f.MissingSecurity[j]
		if a.Group != c.Group {
			return a.Group < c.Group
		}
		return a.ID < c.ID
	})
	f.TopCVEs = f.TopCVEs[:0]
	for cve, a := range b.cves {
		f.TopCVEs = append(f.TopCVEs, CVEStat{CVE: cve, Servers: a.servers, Groups: sortedKeys(a.groups), Patches: sortedKeys(a.patches)})
	}
	sort.Slice(f.TopCVEs, func(i, j int) bool {
		if f.TopCVEs[i].Servers != f.TopCVEs[j].Servers {
			return f.TopCVEs[i].Servers > f.TopCVEs[j].Servers
		}
		return f.TopCVEs[i].CVE < f.TopCVEs[j].CVE
	})
	f.TopCVEs = f.TopCVEs[:min(len(f.TopCVEs), FleetTopCVEs)]
	if f.MissingSecurity == nil {
		f.MissingSecurity = []ServerMissing{}
	}
	return f
}

func osList(m map[fleet.OSFamily]*FleetOS) []FleetOS {
	var out []FleetOS
	for _, os := range osOrder(m) {
		out = append(out, *m[os])
	}
	return out
}

package report

import (
	"sort"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// PackageStat aggregates one patch over the report's instances.
type PackageStat struct {
	PatchID        string
	Name           string
	KB             string
	ToVersion      string
	Classification string
	Severity       string
	CVEs           []string
	// Installed, PendingReboot and Failed count the instances where the
	// patch was attempted, by result; Missing counts the instances where
	// it is still missing after the run.
	Installed     int
	PendingReboot int
	Failed        int
	Missing       int
}

// PackageStats aggregates the report per patch, failures first: by Failed,
// then Missing (both descending), then patch ID.
func PackageStats(r *Report) []PackageStat {
	by := map[string]*PackageStat{}
	get := func(id, name string, cves []string) *PackageStat {
		s := by[id]
		if s == nil {
			s = &PackageStat{PatchID: id, Name: name, CVEs: cves}
			by[id] = s
		}
		return s
	}
	for _, i := range r.Instances {
		for _, p := range i.Packages {
			s := get(p.PatchID, p.Name, p.CVEs)
			s.KB, s.ToVersion, s.Classification = first(s.KB, p.KB), first(s.ToVersion, p.ToVersion), first(s.Classification, p.Classification)
			s.Severity = first(s.Severity, p.Severity)
			switch p.State {
			case fleet.StateInstalled:
				s.Installed++
			case fleet.StateInstalledPendingReboot:
				s.PendingReboot++
			default:
				s.Failed++
			}
		}
		for _, m := range i.Missing {
			s := get(m.PatchID, m.Name, m.CVEs)
			s.Severity = first(s.Severity, m.Severity)
			s.Missing++
		}
	}
	out := make([]PackageStat, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Failed != b.Failed {
			return a.Failed > b.Failed
		}
		if a.Missing != b.Missing {
			return a.Missing > b.Missing
		}
		return a.PatchID < b.PatchID
	})
	return out
}

// ReasonCount is one failure reason and the instances it hit.
type ReasonCount struct {
	Outcome Outcome
	Reason  string
	Count   int
	// Examples are up to three instance IDs, the lowest first.
	Examples []string
}

// TopFailures groups the failed and unreachable instances by outcome and
// reason, most frequent first, and returns at most n groups (all when n
// is 0 or less).
func TopFailures(r *Report, n int) []ReasonCount {
	type key struct {
		o Outcome
		r string
	}
	by := map[key]*ReasonCount{}
	for _, i := range r.Instances {
		if i.Outcome != Failed && i.Outcome != Unreachable {
			continue
		}
		k := key{i.Outcome, i.Reason}
		rc := by[k]
		if rc == nil {
			rc = &ReasonCount{Outcome: i.Outcome, Reason: i.Reason}
			by[k] = rc
		}
		rc.Count++
		rc.Examples = append(rc.Examples, i.ID)
	}
	out := make([]ReasonCount, 0, len(by))
	for _, rc := range by {
		sort.Strings(rc.Examples)
		rc.Examples = rc.Examples[:min(3, len(rc.Examples))]
		out = append(out, *rc)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Outcome != b.Outcome {
			return a.Outcome.Rank() < b.Outcome.Rank()
		}
		return a.Reason < b.Reason
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

// MissingStat is one security patch still missing after the run.
type MissingStat struct {
	PatchID  string
	Name     string
	Severity string
	CVEs     []string
	// Instances is how many instances still miss it; Why counts them per
	// reason.
	Instances int
	Why       map[string]int
}

// MissingSecurity aggregates the still-missing security patches (see
// Missing.IsSecurity), the most widespread first, then by patch ID.
func MissingSecurity(r *Report) []MissingStat {
	by := map[string]*MissingStat{}
	for _, i := range r.Instances {
		for _, m := range i.Missing {
			if !m.IsSecurity() {
				continue
			}
			s := by[m.PatchID]
			if s == nil {
				s = &MissingStat{PatchID: m.PatchID, Name: m.Name, Severity: m.Severity, CVEs: m.CVEs, Why: map[string]int{}}
				by[m.PatchID] = s
			}
			s.Instances++
			s.Why[m.Why]++
		}
	}
	out := make([]MissingStat, 0, len(by))
	for _, s := range by {
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Instances != out[j].Instances {
			return out[i].Instances > out[j].Instances
		}
		return out[i].PatchID < out[j].PatchID
	})
	return out
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func first(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

package report

import (
	"sort"
	"strconv"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Summarize puts the report in its canonical order and computes the
// header's aggregates from the instances: instances sorted by ID, each
// instance's packages and still-missing patches sorted by patch ID, Counts,
// ByWave (waves in order, then the instances in no wave) and ByOS (in
// fleet.OSFamilies order). Builders call it once the instances are in.
func (r *Report) Summarize() {
	sort.Slice(r.Instances, func(i, j int) bool { return r.Instances[i].ID < r.Instances[j].ID })
	counts := map[Outcome]int{}
	type waveKey struct {
		planned bool
		wave    int
	}
	waves := map[waveKey]*Tally{}
	byOS := map[fleet.OSFamily]*Tally{}
	for _, i := range r.Instances {
		sort.SliceStable(i.Packages, func(a, b int) bool { return i.Packages[a].PatchID < i.Packages[b].PatchID })
		sort.SliceStable(i.Missing, func(a, b int) bool { return i.Missing[a].PatchID < i.Missing[b].PatchID })
		counts[i.Outcome]++
		wk := waveKey{planned: i.Planned}
		if i.Planned {
			wk.wave = i.Wave
		}
		if waves[wk] == nil {
			waves[wk] = &Tally{}
		}
		waves[wk].add(i.Outcome)
		if byOS[i.OS] == nil {
			byOS[i.OS] = &Tally{}
		}
		byOS[i.OS].add(i.Outcome)
	}
	r.Header.Counts = counts
	r.Header.ByWave = r.Header.ByWave[:0]
	for k, t := range waves {
		r.Header.ByWave = append(r.Header.ByWave, WaveTally{Wave: k.wave, Planned: k.planned, Tally: *t})
	}
	sort.Slice(r.Header.ByWave, func(i, j int) bool {
		a, b := r.Header.ByWave[i], r.Header.ByWave[j]
		if a.Planned != b.Planned {
			return a.Planned
		}
		return a.Wave < b.Wave
	})
	r.Header.ByOS = r.Header.ByOS[:0]
	for _, os := range osOrder(byOS) {
		r.Header.ByOS = append(r.Header.ByOS, OSTally{OS: os, Tally: *byOS[os]})
	}
}

// osOrder returns the keys of m in fleet.OSFamilies order, unknown ones
// last and sorted.
func osOrder[T any](m map[fleet.OSFamily]T) []fleet.OSFamily {
	var out []fleet.OSFamily
	known := map[fleet.OSFamily]bool{}
	for _, os := range fleet.OSFamilies {
		known[os] = true
		if _, ok := m[os]; ok {
			out = append(out, os)
		}
	}
	var rest []fleet.OSFamily
	for os := range m {
		if !known[os] {
			rest = append(rest, os)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i] < rest[j] })
	return append(out, rest...)
}

// Label names a wave tally: "canary", "wave 2", or "not in rollout".
func (w WaveTally) Label() string {
	switch {
	case !w.Planned:
		return "not in rollout"
	case w.Wave == 0:
		return "canary"
	default:
		return "wave " + strconv.Itoa(w.Wave)
	}
}

// sortInstancesFailuresFirst orders instances by outcome (Outcomes order:
// failures first), then by ID.
func sortInstancesFailuresFirst(insts []*Instance) {
	sort.SliceStable(insts, func(i, j int) bool {
		a, b := insts[i].Outcome.Rank(), insts[j].Outcome.Rank()
		if a != b {
			return a < b
		}
		return insts[i].ID < insts[j].ID
	})
}

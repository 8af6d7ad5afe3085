package report

import (
	"sort"
	"strings"
)

// mdLivePatched lists the servers whose reboot was deferred because live
// patches apply their kernel update's fixes, with those CVEs (nothing when
// there are none).
func mdLivePatched(e *ewriter, r *Report) {
	var rows []*Instance
	for _, i := range r.Instances {
		if i.Outcome == LivePatched {
			rows = append(rows, i)
		}
	}
	if len(rows) == 0 {
		return
	}
	e.printf("\n## Reboots deferred by live patches: %d\n\n", len(rows))
	e.str("The new kernel is installed and runs after the next reboot; until then live patches apply these fixes to the running kernel.\n\n")
	e.str("| Server | OS | CVEs live-patched |\n|---|---|---|\n")
	for _, i := range rows[:min(len(rows), MarkdownMissingLimit)] {
		e.printf("| %s | %s | %s |\n", mdCode(i.ID), mdEscape(string(i.OS)+" "+i.OSVersion), mdEscape(strings.Join(i.Reboot.LivePatchedCVEs, ", ")))
	}
	if n := len(rows) - MarkdownMissingLimit; n > 0 {
		e.printf("\n… and %d more (see report.csv).\n", n)
	}
}

// mdReleases tallies the Amazon Linux 2023 release version moves, from ->
// to (nothing when there are none).
func mdReleases(e *ewriter, r *Report) {
	type move struct{ from, to string }
	counts := map[move]int{}
	for _, i := range r.Instances {
		if i.Release != nil {
			counts[move{i.Release.From, i.Release.To}]++
		}
	}
	if len(counts) == 0 {
		return
	}
	moves := make([]move, 0, len(counts))
	for m := range counts {
		moves = append(moves, m)
	}
	sort.Slice(moves, func(a, b int) bool {
		if moves[a].from != moves[b].from {
			return moves[a].from < moves[b].from
		}
		return moves[a].to < moves[b].to
	})
	e.str("\n## Amazon Linux 2023 release versions\n\n| From | To | Servers |\n|---|---|---:|\n")
	for _, m := range moves {
		e.printf("| %s | %s | %d |\n", mdCode(m.from), mdCode(m.to), counts[m])
	}
}

package report

import (
	"io"
	"strconv"
	"strings"
)

// MarkdownMissingLimit is how many still-missing security patches the
// Markdown summary lists; the rest are counted.
const MarkdownMissingLimit = 25

// RenderMarkdown writes a summary for chat or e-mail: the header, the
// approval, counts per outcome, per OS and per wave, phase timings, the top
// failures and the security patches still missing with their CVEs.
func RenderMarkdown(w io.Writer, r *Report) error {
	e := &ewriter{w: w}
	h := r.Header
	e.printf("# Patch report: %s, %s\n\n", mdEscape(h.Group), mdEscape(h.Cycle))
	e.str("| | |\n|---|---|\n")
	row := func(k, v string) { e.printf("| %s | %s |\n", k, v) }
	row("Status", "**"+mdEscape(h.Status)+"**")
	row("Mode", mdEscape(h.Mode))
	row("Run", runText(h))
	row("Servers", strconv.Itoa(len(r.Instances)))
	row("Policy digest", mdCode(h.PolicyDigest))
	row("Baselines", mdEscape(baselinesText(h.Baselines)))
	row("Manifest digest", mdCode(h.ManifestDigest))
	row("Approval", mdEscape(approvalText(h.Approval)))
	row("Generated", fmtTime(h.GeneratedAt))

	e.str("\n## Outcomes\n\n| Outcome | Servers |\n|---|---:|\n")
	for _, o := range presentOutcomes(h.Counts) {
		e.printf("| %s | %d |\n", o, h.Counts[o])
	}
	e.printf("| **total** | **%d** |\n", total(h.Counts))

	osCounts := make([]map[Outcome]int, len(h.ByOS))
	osRows := make([]string, len(h.ByOS))
	for i, t := range h.ByOS {
		osCounts[i], osRows[i] = t.Counts, string(t.OS)
	}
	mdTally(e, "Per OS", "OS", osRows, osCounts)
	waveCounts := make([]map[Outcome]int, len(h.ByWave))
	waveRows := make([]string, len(h.ByWave))
	for i, t := range h.ByWave {
		waveCounts[i], waveRows[i] = t.Counts, t.Label()
	}
	mdTally(e, "Per wave", "Wave", waveRows, waveCounts)

	if len(h.Phases) > 0 {
		e.str("\n## Phases\n\n| Phase | Start | End | Duration |\n|---|---|---|---:|\n")
		for _, p := range h.Phases {
			d := "-"
			if !p.Start.IsZero() && !p.End.IsZero() {
				d = p.End.Sub(p.Start).String()
			}
			e.printf("| %s | %s | %s | %s |\n", mdEscape(p.Phase), fmtTime(p.Start), fmtTime(p.End), d)
		}
	}

	e.str("\n## Top failures\n\n")
	if fails := TopFailures(r, 10); len(fails) == 0 {
		e.str("No failed or unreachable server.\n")
	} else {
		e.str("| Outcome | Reason | Servers | Examples |\n|---|---|---:|---|\n")
		for _, f := range fails {
			e.printf("| %s | %s | %d | %s |\n", f.Outcome, mdEscape(f.Reason), f.Count, mdEscape(strings.Join(f.Examples, ", ")))
		}
	}

	mdLivePatched(e, r)
	mdReleases(e, r)

	e.str("\n## Security patches still missing\n\n")
	missing := MissingSecurity(r)
	if len(missing) == 0 {
		e.str("None.\n")
		return e.err
	}
	e.str("| Patch | Severity | CVEs | Servers | Why |\n|---|---|---|---:|---|\n")
	for _, m := range missing[:min(len(missing), MarkdownMissingLimit)] {
		e.printf("| %s | %s | %s | %d | %s |\n", mdCode(m.PatchID), mdEscape(m.Severity), mdEscape(strings.Join(m.CVEs, ", ")),
			m.Instances, mdEscape(whyText(m.Why)))
	}
	if n := len(missing) - MarkdownMissingLimit; n > 0 {
		e.printf("\n… and %d more security patches (see report.csv).\n", n)
	}
	return e.err
}

// mdTally writes one table of outcome counts per row.
func mdTally(e *ewriter, title, first string, rows []string, counts []map[Outcome]int) {
	if len(rows) == 0 {
		return
	}
	cols := presentOutcomes(counts...)
	e.printf("\n## %s\n\n| %s | Servers |", title, first)
	for _, o := range cols {
		e.printf(" %s |", o)
	}
	e.str("\n|---|---:|", strings.Repeat("---:|", len(cols)), "\n")
	for i, name := range rows {
		e.printf("| %s | %d |", mdEscape(name), total(counts[i]))
		for _, o := range cols {
			e.printf(" %d |", counts[i][o])
		}
		e.str("\n")
	}
}

var mdReplacer = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "'")

// mdEscape makes s safe inside a Markdown table cell.
func mdEscape(s string) string {
	if s == "" {
		return "-"
	}
	return mdReplacer.Replace(s)
}

// mdCode formats s as inline code, or "-" when empty.
func mdCode(s string) string {
	if s == "" {
		return "-"
	}
	return "`" + strings.NewReplacer("`", "'", "|", `\|`, "\n", " ").Replace(s) + "`"
}

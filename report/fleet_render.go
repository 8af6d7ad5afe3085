package report

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"strings"
)

// FleetRenderer is one format of the fleet roll-up.
type FleetRenderer = Format[*Fleet]

// FleetRenderers are every format the roll-up is written in.
var FleetRenderers = []FleetRenderer{
	{Name: "json", File: "fleet.json", ContentType: "application/json", Render: RenderFleetJSON},
	{Name: "csv", File: "fleet.csv", ContentType: "text/csv; charset=utf-8", Render: RenderFleetCSV},
	{Name: "md", File: "fleet.md", ContentType: "text/markdown; charset=utf-8", Render: RenderFleetMarkdown},
	{Name: "html", File: "fleet.html", ContentType: "text/html; charset=utf-8", Render: RenderFleetHTML},
}

// RenderFleetJSON writes the roll-up as JSON.
func RenderFleetJSON(w io.Writer, f *Fleet) error {
	return json.NewEncoder(w).Encode(f)
}

// FleetCSVColumns are the roll-up's CSV header: one row per group and OS
// (os "ALL" for the group as a whole), with the compliance and the count
// of every outcome.
var FleetCSVColumns = append([]string{"cycle", "group", "mode", "status", "approval", "os", "servers", "compliant", "compliance_pct"},
	outcomeColumns()...)

func outcomeColumns() []string {
	out := make([]string, len(Outcomes))
	for i, o := range Outcomes {
		out[i] = strings.ReplaceAll(string(o), "-", "_")
	}
	return out
}

// RenderFleetCSV writes compliance per group and OS as CSV.
func RenderFleetCSV(w io.Writer, f *Fleet) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(FleetCSVColumns); err != nil {
		return err
	}
	row := func(g FleetGroup, os string, servers, compliant int, counts map[Outcome]int) error {
		r := []string{f.Cycle, g.Group, g.Mode, g.Status, g.Approval, os, strconv.Itoa(servers), strconv.Itoa(compliant),
			strings.TrimSuffix(pct(compliant, servers), "%")}
		for _, o := range Outcomes {
			r = append(r, strconv.Itoa(counts[o]))
		}
		return cw.Write(r)
	}
	for _, g := range f.Groups {
		if err := row(g, "ALL", g.Servers, g.Compliant, g.Counts); err != nil {
			return err
		}
		for _, o := range g.ByOS {
			if err := row(g, string(o.OS), o.Servers, o.Compliant, o.Counts); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// RenderFleetMarkdown writes the roll-up as a Markdown summary.
func RenderFleetMarkdown(w io.Writer, f *Fleet) error {
	e := &ewriter{w: w}
	e.printf("# Fleet patch report: %s\n\n", mdEscape(f.Cycle))
	e.printf("%d servers in %d groups, %d compliant (%s); %d servers still miss security patches. Generated %s.\n",
		f.Servers, len(f.Groups), f.Compliant, pct(f.Compliant, f.Servers), len(f.MissingSecurity), fmtTime(f.GeneratedAt))
	e.str("\n## Groups\n\n| Group | Mode | Status | Approval | Servers | Compliant | Compliance |\n|---|---|---|---|---:|---:|---:|\n")
	for _, g := range f.Groups {
		appr := g.Approval
		if g.ApprovedBy != "" {
			appr += " by " + g.ApprovedBy
		}
		e.printf("| %s | %s | %s | %s | %d | %d | %s |\n", mdEscape(g.Group), mdEscape(g.Mode), mdEscape(g.Status), mdEscape(appr),
			g.Servers, g.Compliant, pct(g.Compliant, g.Servers))
	}
	e.str("\n## Per OS\n\n| OS | Servers | Compliant | Compliance |\n|---|---:|---:|---:|\n")
	for _, o := range f.ByOS {
		e.printf("| %s | %d | %d | %s |\n", o.OS, o.Servers, o.Compliant, pct(o.Compliant, o.Servers))
	}
	e.str("\n## Top open CVEs\n\n")
	if len(f.TopCVEs) == 0 {
		e.str("None.\n")
	} else {
		e.str("| CVE | Servers | Groups | Patches |\n|---|---:|---|---|\n")
		for _, c := range f.TopCVEs {
			e.printf("| %s | %d | %s | %s |\n", mdEscape(c.CVE), c.Servers, mdEscape(strings.Join(c.Groups, ", ")), mdEscape(strings.Join(c.Patches, ", ")))
		}
	}
	e.str("\n## Servers still missing security patches\n\n")
	if len(f.MissingSecurity) == 0 {
		e.str("None.\n")
		return e.err
	}
	e.str("| Group | Server | OS | Outcome | Patches | CVEs |\n|---|---|---|---|---:|---|\n")
	for _, s := range f.MissingSecurity[:min(len(f.MissingSecurity), MarkdownMissingLimit)] {
		e.printf("| %s | %s | %s | %s | %d | %s |\n", mdEscape(s.Group), mdCode(s.ID), s.OS, s.Outcome, len(s.Patches), mdEscape(strings.Join(s.CVEs, ", ")))
	}
	if n := len(f.MissingSecurity) - MarkdownMissingLimit; n > 0 {
		e.printf("\n… and %d more servers (see fleet.json).\n", n)
	}
	return e.err
}

// RenderFleetHTML writes the roll-up as a self-contained HTML page.
func RenderFleetHTML(w io.Writer, f *Fleet) error {
	e := &ewriter{w: w}
	pageStart(e, "Fleet patch report: "+f.Cycle)
	e.str("<header><h1>Fleet patch report: ", esc(f.Cycle), "</h1></header>\n<section class=\"cards\">\n")
	card(e, "", f.Servers, "servers")
	card(e, "", len(f.Groups), "groups")
	card(e, "o-patched", f.Compliant, "compliant ("+pct(f.Compliant, f.Servers)+")")
	card(e, "o-failed", len(f.MissingSecurity), "servers missing security patches")
	pending := 0
	for _, g := range f.Groups {
		if g.Approval == "pending" {
			pending++
		}
	}
	card(e, "o-not-attempted", pending, "approvals pending")
	e.str("</section>\n<section class=\"charts\">\n")
	var groups, oses []chartRow
	var all []map[Outcome]int
	for _, g := range f.Groups {
		groups = append(groups, chartRow{g.Group, g.Counts})
		all = append(all, g.Counts)
	}
	for _, o := range f.ByOS {
		oses = append(oses, chartRow{string(o.OS), o.Counts})
	}
	chart(e, "Outcomes per group", groups)
	chart(e, "Outcomes per OS", oses)
	legend(e, presentOutcomes(all...))
	e.str("</section>\n<section><h2>Groups</h2>\n<table class=\"sortable\"><thead><tr><th>Group</th><th>Mode</th><th>Status</th><th>Approval</th>",
		"<th class=\"n\">Servers</th><th class=\"n\">Compliant</th><th class=\"n\">Compliance</th></tr></thead><tbody>\n")
	for _, g := range f.Groups {
		appr := g.Approval
		if g.ApprovedBy != "" {
			appr += " by " + g.ApprovedBy + " at " + fmtTime(g.ApprovedAt)
		}
		e.str("<tr><td>", esc(g.Group), "</td><td>", esc(g.Mode), "</td><td>")
		badge(e, "st-"+g.Status, g.Status)
		e.str("</td><td>", esc(appr), "</td><td class=\"n\">", strconv.Itoa(g.Servers), "</td><td class=\"n\">", strconv.Itoa(g.Compliant),
			"</td><td class=\"n\">", pct(g.Compliant, g.Servers), "</td></tr>\n")
	}
	e.str("</tbody></table></section>\n<section><h2>Top open CVEs</h2>\n<table class=\"sortable\"><thead><tr><th>CVE</th><th class=\"n\">Servers</th><th>Groups</th><th>Patches</th></tr></thead><tbody>\n")
	for _, c := range f.TopCVEs {
		e.str("<tr><td>", esc(c.CVE), "</td><td class=\"n\">", strconv.Itoa(c.Servers), "</td><td>", esc(strings.Join(c.Groups, ", ")),
			"</td><td>", esc(strings.Join(c.Patches, ", ")), "</td></tr>\n")
	}
	e.str("</tbody></table></section>\n<section><h2>Servers still missing security patches (", strconv.Itoa(len(f.MissingSecurity)), ")</h2>\n",
		"<div class=\"toolbar\"><input type=\"search\" data-filter=\"missing\" placeholder=\"Filter servers…\"></div>\n",
		"<div class=\"scroll\"><table class=\"sortable\" id=\"missing\"><thead><tr><th>Group</th><th>Server</th><th>Name</th><th>OS</th><th>Outcome</th><th>Reason</th>",
		"<th class=\"n\">Patches</th><th>CVEs</th></tr></thead><tbody>\n")
	for _, s := range f.MissingSecurity {
		e.str("<tr><td>", esc(s.Group), "</td><td><code>", esc(s.ID), "</code></td><td>", esc(s.Name), "</td><td>", esc(string(s.OS)),
			"</td><td data-v=\"", strconv.Itoa(s.Outcome.Rank()), "\">")
		badge(e, "o-"+string(s.Outcome), string(s.Outcome))
		e.str("</td><td>", esc(s.Reason), "</td><td class=\"n\">", strconv.Itoa(len(s.Patches)), "</td><td>", esc(strings.Join(s.CVEs, " ")), "</td></tr>\n")
	}
	e.str("</tbody></table></div></section>\n")
	pageEnd(e, FleetSchemaVersion+" · "+f.Cycle+" · generated "+fmtTime(f.GeneratedAt))
	return e.err
}

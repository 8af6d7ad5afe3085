package report

import (
	"io"
	"strconv"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// RenderHTML writes a self-contained HTML page (inline CSS, SVG and
// script, no external assets): the header and approval, summary numbers,
// charts of outcomes per wave and per OS, the top failures, and sortable
// tables of servers and packages, failures first.
func RenderHTML(w io.Writer, r *Report) error {
	e := &ewriter{w: w}
	h := r.Header
	pageStart(e, "Patch report: "+h.Group+", "+h.Cycle)
	e.str("<header><h1>Patch report: ", esc(h.Group), ", ", esc(h.Cycle), "</h1>")
	badge(e, "st-"+h.Status, h.Status)
	e.str("</header>\n<section><dl class=\"meta\">\n")
	metaRow(e, "Mode", h.Mode, false)
	metaRow(e, "Run", runText(h), false)
	metaRow(e, "Policy digest", h.PolicyDigest, true)
	metaRow(e, "Baselines", baselinesText(h.Baselines), false)
	metaRow(e, "Manifest digest", h.ManifestDigest, true)
	metaRow(e, "Approval", approvalText(h.Approval), false)
	metaRow(e, "Generated", fmtTime(h.GeneratedAt), false)
	e.str("</dl></section>\n")

	pkgs := PackageStats(r)
	var installed, failedPkgs int
	for _, p := range pkgs {
		installed += p.Installed + p.PendingReboot
		failedPkgs += p.Failed
	}
	missing := MissingSecurity(r)
	e.str("<section class=\"cards\">\n")
	card(e, "", len(r.Instances), "servers")
	for _, o := range presentOutcomes(h.Counts) {
		card(e, "o-"+string(o), h.Counts[o], string(o))
	}
	card(e, "", installed, "package updates installed")
	card(e, "o-failed", failedPkgs, "package updates failed")
	card(e, "o-not-attempted", len(missing), "security patches still missing")
	e.str("</section>\n")

	e.str("<section class=\"charts\">\n")
	var waves, oses []chartRow
	var all []map[Outcome]int
	for _, t := range h.ByWave {
		waves = append(waves, chartRow{t.Label(), t.Counts})
		all = append(all, t.Counts)
	}
	for _, t := range h.ByOS {
		oses = append(oses, chartRow{string(t.OS), t.Counts})
	}
	chart(e, "Outcomes per wave", waves)
	chart(e, "Outcomes per OS", oses)
	legend(e, presentOutcomes(all...))
	e.str("</section>\n")

	htmlPhases(e, h.Phases)
	htmlFailures(e, TopFailures(r, 10))
	htmlServers(e, r)
	htmlPackages(e, pkgs)
	pageEnd(e, SchemaVersion+" · "+h.Group+" "+h.Cycle+" · generated "+fmtTime(h.GeneratedAt))
	return e.err
}

func htmlPhases(e *ewriter, phases []PhaseTiming) {
	if len(phases) == 0 {
		return
	}
	e.str("<section><h2>Phases</h2>\n<table><thead><tr><th>Phase</th><th>Start</th><th>End</th><th class=\"n\">Duration</th></tr></thead><tbody>\n")
	for _, p := range phases {
		d := "-"
		if !p.Start.IsZero() && !p.End.IsZero() {
			d = p.End.Sub(p.Start).String()
		}
		e.str("<tr><td>", esc(p.Phase), "</td><td>", fmtTime(p.Start), "</td><td>", fmtTime(p.End), "</td><td class=\"n\">", d, "</td></tr>\n")
	}
	e.str("</tbody></table></section>\n")
}

func htmlFailures(e *ewriter, fails []ReasonCount) {
	e.str("<section><h2>Top failures</h2>\n")
	if len(fails) == 0 {
		e.str("<p class=\"muted\">No failed or unreachable server.</p></section>\n")
		return
	}
	e.str("<table><thead><tr><th>Outcome</th><th>Reason</th><th class=\"n\">Servers</th><th>Examples</th></tr></thead><tbody>\n")
	for _, f := range fails {
		e.str("<tr><td>")
		badge(e, "o-"+string(f.Outcome), string(f.Outcome))
		e.str("</td><td>", esc(f.Reason), "</td><td class=\"n\">", strconv.Itoa(f.Count), "</td><td>", esc(strings.Join(f.Examples, ", ")), "</td></tr>\n")
	}
	e.str("</tbody></table></section>\n")
}

// htmlServers writes the server table: failures first (outcome order),
// then by ID.
func htmlServers(e *ewriter, r *Report) {
	insts := make([]*Instance, len(r.Instances))
	copy(insts, r.Instances)
	sortInstancesFailuresFirst(insts)
	e.str("<section><h2>Servers (", strconv.Itoa(len(insts)), ")</h2>\n",
		"<div class=\"toolbar\"><input type=\"search\" data-filter=\"servers\" placeholder=\"Filter servers…\"><span class=\"muted\">click a column to sort</span></div>\n",
		"<div class=\"scroll\"><table class=\"sortable\" id=\"servers\"><thead><tr><th>Server</th><th>Name</th><th>Cloud / account / region</th><th>OS</th>",
		"<th class=\"n\">Wave</th><th>Outcome</th><th>Reason</th><th>Reboot</th><th class=\"n\">Installed</th><th class=\"n\">Failed</th><th class=\"n\">Still missing</th><th>Packages</th></tr></thead><tbody>\n")
	for _, i := range insts {
		var ok, bad int
		for _, p := range i.Packages {
			if p.State == fleet.StateInstalled || p.State == fleet.StateInstalledPendingReboot {
				ok++
			} else {
				bad++
			}
		}
		cls := ""
		if i.Outcome == Failed || i.Outcome == Unreachable {
			cls = ` class="bad"`
		}
		wave, waveV := "-", "-1"
		if i.Planned {
			wave, waveV = strconv.Itoa(i.Wave), strconv.Itoa(i.Wave)
		}
		e.str("<tr", cls, "><td><code>", esc(i.ID), "</code></td><td>", esc(i.Name), "</td><td>", esc(string(i.Cloud)), " / ", esc(i.Account), " / ", esc(i.Region),
			"</td><td>", esc(string(i.OS)), " ", esc(i.OSVersion), "</td><td class=\"n\" data-v=\"", waveV, "\">", wave,
			"</td><td data-v=\"", strconv.Itoa(i.Outcome.Rank()), "\">")
		badge(e, "o-"+string(i.Outcome), string(i.Outcome))
		e.str("</td><td>", esc(i.Reason), "</td><td>", rebootText(i.Reboot), "</td><td class=\"n\">", strconv.Itoa(ok),
			"</td><td class=\"n\">", strconv.Itoa(bad), "</td><td class=\"n\">", strconv.Itoa(len(i.Missing)), "</td><td data-v=\"", strconv.Itoa(len(i.Packages)), "\">")
		htmlPackageList(e, i)
		e.str("</td></tr>\n")
	}
	e.str("</tbody></table></div></section>\n")
}

// htmlPackageList writes an instance's packages (from -> to) and its
// still-missing patches as a collapsed list.
func htmlPackageList(e *ewriter, i *Instance) {
	if len(i.Packages) == 0 && len(i.Missing) == 0 && i.Release == nil {
		e.str("-")
		return
	}
	e.printf("<details><summary>%d packages, %d missing</summary><ul>", len(i.Packages), len(i.Missing))
	for _, p := range i.Packages {
		ok := p.State == fleet.StateInstalled || p.State == fleet.StateInstalledPendingReboot
		if ok {
			e.str("<li>")
		} else {
			e.str(`<li class="failed">`)
		}
		e.str(esc(first(p.Name, p.PatchID)), " ", esc(first(p.KB, p.FromVersion, "?")), " → ", esc(first(p.ToVersion, "?")), " <i>", esc(string(p.State)), "</i>")
		if p.Error != "" {
			e.str(": ", esc(p.Error))
		}
		e.str("</li>")
	}
	for _, m := range i.Missing {
		e.str(`<li class="muted">missing `, esc(m.PatchID), " (", esc(m.Why), ")</li>")
	}
	if i.Release != nil {
		e.str("<li>release version ", esc(i.Release.From), " → ", esc(i.Release.To), "</li>")
	}
	e.str("</ul></details>")
}

func rebootText(r Reboot) string {
	switch {
	case r.Deferred:
		return "deferred: live-patched " + esc(strings.Join(r.LivePatchedCVEs, ", "))
	case r.Done && r.Duration > 0:
		return "done in " + r.Duration.String()
	case r.Done:
		return "done"
	case r.Needed:
		return "needed"
	}
	return "-"
}

// htmlPackages writes the per-patch table, failures first.
func htmlPackages(e *ewriter, pkgs []PackageStat) {
	e.str("<section><h2>Packages (", strconv.Itoa(len(pkgs)), ")</h2>\n",
		"<div class=\"toolbar\"><input type=\"search\" data-filter=\"packages\" placeholder=\"Filter packages…\"></div>\n",
		"<div class=\"scroll\"><table class=\"sortable\" id=\"packages\"><thead><tr><th>Patch</th><th>Name / KB</th><th>To version</th><th>Classification</th><th>Severity</th><th>CVEs</th>",
		"<th class=\"n\">Installed</th><th class=\"n\">Pending reboot</th><th class=\"n\">Failed</th><th class=\"n\">Still missing</th></tr></thead><tbody>\n")
	for _, p := range pkgs {
		cls := ""
		if p.Failed > 0 {
			cls = ` class="bad"`
		}
		e.str("<tr", cls, "><td><code>", esc(p.PatchID), "</code></td><td>", esc(p.Name))
		if p.KB != "" {
			e.str(" (", esc(p.KB), ")")
		}
		e.str("</td><td>", esc(p.ToVersion), "</td><td>", esc(p.Classification), "</td><td>", esc(p.Severity), "</td><td>", esc(strings.Join(p.CVEs, " ")),
			"</td><td class=\"n\">", strconv.Itoa(p.Installed), "</td><td class=\"n\">", strconv.Itoa(p.PendingReboot),
			"</td><td class=\"n\">", strconv.Itoa(p.Failed), "</td><td class=\"n\">", strconv.Itoa(p.Missing), "</td></tr>\n")
	}
	e.str("</tbody></table></div></section>\n")
}

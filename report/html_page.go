package report

import (
	_ "embed"
	"fmt"
	"html"
	"strconv"
)

//go:embed html/style.css
var pageCSS string

//go:embed html/sort.js
var pageJS string

// esc escapes text for HTML element content and attribute values.
func esc(s string) string { return html.EscapeString(s) }

// pageStart writes the document head with the inline stylesheet.
func pageStart(e *ewriter, title string) {
	e.str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>", esc(title), "</title>\n<style>\n",
		pageCSS, "</style>\n</head>\n<body>\n")
}

// pageEnd writes the footer, the inline script and closes the document.
func pageEnd(e *ewriter, footer string) {
	e.str("<footer>", esc(footer), "</footer>\n<script>\n", pageJS, "</script>\n</body>\n</html>\n")
}

// badge writes an outcome (or status) as a colored label.
func badge(e *ewriter, class, text string) {
	e.str(`<span class="badge `, class, `">`, esc(text), "</span>")
}

// card writes one summary number.
func card(e *ewriter, class string, n int, label string) {
	e.str(`<div class="card `, class, `"><b>`, strconv.Itoa(n), "</b><span>", esc(label), "</span></div>\n")
}

// metaRow writes one term of a definition list.
func metaRow(e *ewriter, term, value string, code bool) {
	if value == "" {
		value = "-"
	}
	e.str("<dt>", esc(term), "</dt><dd>")
	if code {
		e.str("<code>", esc(value), "</code>")
	} else {
		e.str(esc(value))
	}
	e.str("</dd>\n")
}

// legend writes the outcome colors.
func legend(e *ewriter, outcomes []Outcome) {
	e.str(`<div class="legend">`)
	for _, o := range outcomes {
		e.str(`<span><i class="o-`, string(o), `"></i>`, esc(string(o)), "</span>")
	}
	e.str("</div>\n")
}

// chartRow is one bar of an outcome chart.
type chartRow struct {
	Label  string
	Counts map[Outcome]int
}

// chart writes an inline SVG of horizontal bars, one per row, each
// stacked by outcome in Outcomes order and scaled to the largest row.
func chart(e *ewriter, title string, rows []chartRow) {
	const labelW, barW, rowH, countW = 150, 420, 26, 60
	largest := 1
	for _, r := range rows {
		largest = max(largest, total(r.Counts))
	}
	h := rowH*len(rows) + 8
	e.str("<div><h2>", esc(title), "</h2>\n")
	e.printf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s">`+"\n",
		labelW+barW+countW, h, esc(title))
	for i, r := range rows {
		y := 4 + i*rowH
		e.printf(`<text x="%d" y="%d" text-anchor="end">%s</text>`, labelW-8, y+16, esc(r.Label))
		x := float64(labelW)
		n := total(r.Counts)
		for _, o := range Outcomes {
			c := r.Counts[o]
			if c == 0 {
				continue
			}
			w := float64(barW) * float64(c) / float64(largest)
			e.printf(`<rect class="o-%s" x="%.1f" y="%d" width="%.1f" height="%d"><title>%s: %s %d</title></rect>`,
				o, x, y+2, w, rowH-6, esc(r.Label), o, c)
			x += w
		}
		e.printf(`<text x="%.1f" y="%d">%d</text>`+"\n", x+6, y+16, n)
	}
	e.str("</svg></div>\n")
}

// pct formats part/whole as a percentage with one decimal.
func pct(part, whole int) string {
	if whole == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(part)/float64(whole))
}

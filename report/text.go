package report

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// ewriter keeps the first write error so renderers can write without
// checking every call.
type ewriter struct {
	w   io.Writer
	err error
}

func (e *ewriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

func (e *ewriter) str(ss ...string) {
	for _, s := range ss {
		if e.err != nil {
			return
		}
		_, e.err = io.WriteString(e.w, s)
	}
}

// fmtTime formats t in UTC, or "-" when zero.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// approvalText describes an approval record in one line.
func approvalText(a *Approval) string {
	if a == nil {
		return "none (no approval needed, or none recorded)"
	}
	var b strings.Builder
	b.WriteString(a.Decision)
	if a.By != "" {
		b.WriteString(" by " + a.By)
	}
	if !a.At.IsZero() {
		b.WriteString(" at " + fmtTime(a.At))
	}
	switch {
	case a.Decision != "approved":
	case len(a.Patches) == 0:
		b.WriteString("; all patches of the manifest")
	default:
		fmt.Fprintf(&b, "; %d patches: %s", len(a.Patches), strings.Join(a.Patches, ", "))
	}
	if a.Digest != "" {
		b.WriteString("; digest " + a.Digest)
	}
	if a.Comment != "" {
		b.WriteString("; comment: " + a.Comment)
	}
	for _, sig := range a.Signatures {
		fmt.Fprintf(&b, "; signed by %s with %s %s", sig.Principal, sig.KeyType, sig.Fingerprint)
	}
	return b.String()
}

// baselinesText lists the baselines in force, e.g. "UBUNTU: ubuntu-security".
func baselinesText(bs []BaselineRef) string {
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = string(b.OS) + ": " + b.Name
	}
	return strings.Join(parts, ", ")
}

// runText names the run: "cycle" or "retry 2".
func runText(h Header) string {
	if h.Retry > 0 {
		return fmt.Sprintf("retry %d", h.Retry)
	}
	return "cycle"
}

// presentOutcomes returns the outcomes with a non-zero count in any of the
// tallies, in Outcomes order.
func presentOutcomes(counts ...map[Outcome]int) []Outcome {
	var out []Outcome
	for _, o := range Outcomes {
		for _, c := range counts {
			if c[o] > 0 {
				out = append(out, o)
				break
			}
		}
	}
	return out
}

// whyText formats per-reason counts, e.g. "not-approved 3, failed 1".
func whyText(why map[string]int) string {
	parts := make([]string, 0, len(why))
	for _, k := range sortedKeys(why) {
		parts = append(parts, fmt.Sprintf("%s %d", k, why[k]))
	}
	return strings.Join(parts, ", ")
}

func total(counts map[Outcome]int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

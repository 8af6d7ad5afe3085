package notify

import (
	"fmt"
	"strings"
	"time"
)

// Fact is one line of a rendered event: a name and its value. A Command
// value is shown as code (to copy and run).
type Fact struct {
	Name    string
	Value   string
	Command bool
}

// Facts are the event's structured parts as short lines, the same for
// every destination, ending with the workflow that sent it.
func (e Event) Facts() []Fact {
	var fs []Fact
	add := func(name, format string, args ...any) {
		fs = append(fs, Fact{Name: name, Value: fmt.Sprintf(format, args...)})
	}
	if r := e.Review; r != nil {
		add("Summary", "%d patches for %d instances", r.Patches, r.Instances)
		add("Manifest digest", "%s", r.ManifestDigest)
		if !r.Expires.IsZero() {
			add("Expires", "%s", r.Expires.UTC().Format(time.RFC3339))
		}
		fs = append(fs, Fact{Name: "Statement to sign", Value: r.StatementCommand, Command: true},
			Fact{Name: "Approve", Value: r.ApproveCommand, Command: true})
	}
	if d := e.Decision; d != nil {
		if len(d.By) > 0 {
			add("By", "%s", strings.Join(d.By, ", "))
		}
		if d.Comment != "" {
			add("Comment", "%s", oneLined(d.Comment))
		}
	}
	if h := e.Halt; h != nil {
		add("Reason", "%s", oneLined(h.Reason))
		if len(h.FailedInstances) > 0 {
			more := ""
			if n := h.FailedTotal - len(h.FailedInstances); n > 0 {
				more = fmt.Sprintf(" and %d more", n)
			}
			add("Failing instances", "%s%s", strings.Join(h.FailedInstances, ", "), more)
		}
	}
	if r := e.Result; r != nil {
		add("Instances", "%d: %d installed, %d failed, %d skipped", r.Instances, r.Installed, r.Failed, r.Skipped)
		if r.Report != "" {
			add("Report", "%s", r.Report)
		}
	}
	add("Workflow", "%s (run %s)", e.WorkflowID, e.RunID)
	return fs
}

// PlainText is the event as plain text: the body, then one "Name: value"
// line per fact (commands indented on a line of their own).
func (e Event) PlainText() string {
	var b strings.Builder
	if e.Body != "" {
		b.WriteString(strings.TrimSpace(e.Body))
		b.WriteString("\n\n")
	}
	for _, f := range e.Facts() {
		if f.Command {
			fmt.Fprintf(&b, "%s:\n    %s\n", f.Name, f.Value)
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", f.Name, f.Value)
	}
	return b.String()
}

func oneLined(s string) string { return strings.Join(strings.Fields(s), " ") }

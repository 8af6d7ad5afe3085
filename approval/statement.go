package approval

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Namespace is the SSHSIG namespace of every fleetpatch statement:
// `ssh-keygen -Y sign -n fleetpatch-approval`. A signature made for another
// purpose (git commits, files) never verifies as an approval.
const Namespace = "fleetpatch-approval"

// header is the first line of every statement; it names the format version.
const header = "fleetpatch approval statement v1"

// MaxStatementBytes bounds a statement, which arrives from anyone with
// write access to the namespace.
const MaxStatementBytes = 64 << 10

// Decision is what a statement decides.
type Decision string

// Decisions.
const (
	Approve Decision = "approve"
	Reject  Decision = "reject"
)

// Start says when an approved install may start.
type Start string

// Starts.
const (
	// StartWindow waits for the group's next install window.
	StartWindow Start = "window"
	// StartNow installs at once; the group must allow it.
	StartNow Start = "now"
)

// Statement is what an approver signs: one decision on one cycle's
// manifest, valid until Expires.
type Statement struct {
	// Namespace is the Temporal namespace of the cycle.
	Namespace string
	// Workflow is the workflow ID the decision is for.
	Workflow string
	// Run is the first run ID of the cycle whose manifest is decided on.
	Run      string
	Decision Decision
	// Approver is the principal who signs, as the policy lists it.
	Approver string
	// Digest is the manifest digest (it covers group, cycle and manifest).
	Digest string
	// Patches is the approved subset, sorted; nil approves the whole
	// manifest. Approvals only.
	Patches []string
	// Start is when the install may start. Approvals only.
	Start   Start
	Expires time.Time
	// Comment is free text for the audit trail; a rejection's reason.
	Comment string
}

var (
	digestRe = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	tokenRe  = regexp.MustCompile(`^[\x21-\x7e]{1,512}$`)
)

// Canonical renders the statement in its one canonical form, the bytes
// that are signed. Parse accepts exactly these bytes.
func (s Statement) Canonical() []byte {
	var b strings.Builder
	line := func(k, v string) {
		b.WriteString(k)
		b.WriteString(":")
		if v != "" {
			b.WriteString(" ")
			b.WriteString(v)
		}
		b.WriteString("\n")
	}
	b.WriteString(header + "\n")
	line("namespace", s.Namespace)
	line("workflow", s.Workflow)
	line("run", s.Run)
	line("decision", string(s.Decision))
	line("approver", s.Approver)
	line("digest", s.Digest)
	if s.Decision == Approve {
		patches := "all"
		if s.Patches != nil {
			patches = strings.Join(s.Patches, " ")
		}
		line("patches", patches)
		line("start", string(s.Start))
	}
	line("expires", s.Expires.UTC().Format(time.RFC3339))
	line("comment", s.Comment)
	return []byte(b.String())
}

// Validate checks the statement's own fields (not what it is for).
func (s Statement) Validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	for _, f := range []struct{ name, v string }{{"namespace", s.Namespace}, {"workflow", s.Workflow}, {"run", s.Run}, {"approver", s.Approver}} {
		if !tokenRe.MatchString(f.v) {
			bad("%s %q must be 1 to 512 printable characters without spaces", f.name, f.v)
		}
	}
	if !digestRe.MatchString(s.Digest) {
		bad("digest %q is not sha256:<64 hex digits>", s.Digest)
	}
	switch s.Decision {
	case Approve:
		if s.Patches != nil {
			if len(s.Patches) == 0 {
				bad("patches must be \"all\" or list at least one patch ID")
			}
			if !slices.IsSorted(s.Patches) || len(slices.Compact(slices.Clone(s.Patches))) != len(s.Patches) {
				bad("patches must be sorted and listed once each")
			}
			for _, p := range s.Patches {
				if !tokenRe.MatchString(p) || p == "all" {
					bad("patch ID %q is not valid", p)
				}
			}
		}
		if s.Start != StartWindow && s.Start != StartNow {
			bad("start %q is not window or now", s.Start)
		}
	case Reject:
		if s.Patches != nil || s.Start != "" {
			bad("a rejection names no patches and no start")
		}
		if strings.TrimSpace(s.Comment) == "" {
			bad("a rejection needs a reason (comment)")
		}
	default:
		bad("decision %q is not approve or reject", s.Decision)
	}
	if s.Expires.IsZero() || s.Expires.Nanosecond() != 0 {
		bad("expires must be a time in whole seconds")
	}
	if strings.ContainsAny(s.Comment, "\r\n") || len(s.Comment) > 1000 || strings.TrimSpace(s.Comment) != s.Comment {
		bad("comment must be one line of at most 1000 characters without leading or trailing spaces")
	}
	if len(errs) > 0 {
		return fmt.Errorf("statement: %s", strings.Join(errs, "; "))
	}
	return nil
}

// statementKeys are the keys of a statement's lines, in order; patches and
// start appear in approvals only.
var statementKeys = []string{"namespace", "workflow", "run", "decision", "approver", "digest", "patches", "start", "expires", "comment"}

// Parse reads a statement in canonical form. Anything else (other line
// endings, reordered or repeated keys, extra spaces, a missing final
// newline) is refused, so that what was signed is exactly what is read.
func Parse(text string) (Statement, error) {
	if len(text) > MaxStatementBytes {
		return Statement{}, fmt.Errorf("statement: longer than %d bytes", MaxStatementBytes)
	}
	body, ok := strings.CutPrefix(text, header+"\n")
	if !ok {
		return Statement{}, fmt.Errorf("statement: the first line must be %q", header)
	}
	fields := map[string]string{}
	var order []string
	for _, l := range strings.SplitAfter(body, "\n") {
		if l == "" {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimSuffix(l, "\n"), ":")
		if !ok || !strings.HasSuffix(l, "\n") {
			return Statement{}, fmt.Errorf("statement: line %q is not \"key: value\" ending in a newline", l)
		}
		if _, dup := fields[k]; dup {
			return Statement{}, fmt.Errorf("statement: %s given twice", k)
		}
		fields[k] = strings.TrimPrefix(v, " ")
		order = append(order, k)
	}
	s := Statement{Namespace: fields["namespace"], Workflow: fields["workflow"], Run: fields["run"],
		Decision: Decision(fields["decision"]), Approver: fields["approver"], Digest: fields["digest"],
		Start: Start(fields["start"]), Comment: fields["comment"]}
	if p, ok := fields["patches"]; ok && p != "all" {
		s.Patches = strings.Split(p, " ")
	}
	exp, err := time.Parse(time.RFC3339, fields["expires"])
	if err != nil {
		return Statement{}, fmt.Errorf("statement: expires %q is not an RFC 3339 time such as 2026-11-29T22:00:00Z", fields["expires"])
	}
	s.Expires = exp.UTC()
	if err := s.Validate(); err != nil {
		return Statement{}, err
	}
	if string(s.Canonical()) != text {
		want := slices.DeleteFunc(slices.Clone(statementKeys), func(k string) bool {
			return s.Decision != Approve && (k == "patches" || k == "start")
		})
		return Statement{}, fmt.Errorf("statement: not in canonical form (keys %s, in this order, each once as \"key: value\", UTC time, newline at the end; got %s)",
			strings.Join(want, ", "), strings.Join(order, ", "))
	}
	return s, nil
}

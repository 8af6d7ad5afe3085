package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/fleetpatch/fleetpatch/approval"
)

// resolveAllowedSigners reads each approval group's allowedSigners file
// (relative to the policy file that names it) and appends the lines that
// name one of the group's approvers to its keys. Problems are reported at
// the file and line of the allowed_signers file.
func (l *loader) resolveAllowedSigners() {
	for _, name := range sortedKeys(l.p.Groups) {
		g := l.p.Groups[name]
		if g.Approval == nil || g.Approval.AllowedSigners == "" {
			continue
		}
		field := itemPath("groups", name) + ".approval.allowedSigners"
		at := l.c.lookup(field)
		path := g.Approval.AllowedSigners
		if !filepath.IsAbs(path) && at.File != "" {
			path = filepath.Join(filepath.Dir(at.File), path)
		}
		f, err := os.Open(path)
		if err != nil {
			l.c.at(at, field, "cannot read the allowed_signers file: %v", err)
			continue
		}
		lines, numbers, errs := approval.ReadAllowedSigners(f)
		f.Close()
		for _, e := range errs {
			pos := Pos{File: path}
			if le, ok := e.(approval.LineError); ok {
				pos.Line, e = le.Line, le.Err
			}
			l.c.at(pos, field, "%v", e)
		}
		for i, line := range lines {
			s, _ := approval.ParseAllowedSigner(line)
			if slices.ContainsFunc(s.Principals, g.Approval.isApprover) {
				g.Approval.Keys = append(g.Approval.Keys, line)
				l.c.pos[fmt.Sprintf("%s.approval.keys[%d]", itemPath("groups", name), len(g.Approval.Keys)-1)] = Pos{File: path, Line: numbers[i]}
			}
		}
	}
}

func (a *Approval) isApprover(principal string) bool {
	return slices.ContainsFunc(a.Approvers, func(p string) bool { return strings.EqualFold(p, principal) })
}

// Signers parses the approval's keys. Load has validated them; an error
// here means a policy built in code, or a tampered snapshot.
func (a *Approval) Signers() ([]approval.AllowedSigner, error) {
	return approval.ParseAllowedSigners(a.Keys)
}

// validateKeys checks every key line and that every approver has a key.
func (a *Approval) validateKeys(c *collector, ap string) {
	hasKey := map[string]bool{}
	for i, line := range a.Keys {
		s, err := approval.ParseAllowedSigner(line)
		if err != nil {
			c.add(fmt.Sprintf("%s.keys[%d]", ap, i), "%v", err)
			continue
		}
		for _, p := range s.Principals {
			hasKey[strings.ToLower(p)] = true
		}
	}
	if c.bad[ap+".allowedSigners"] {
		return // the file's own error says it all
	}
	for i, who := range a.Approvers {
		if !hasKey[strings.ToLower(who)] {
			c.add(fmt.Sprintf("%s.approvers[%d]", ap, i),
				"%q has no public key: add an allowed_signers line for it to approval.keys or to the allowedSigners file (approvals are signed)", who)
		}
	}
}

package policy

import (
	"fmt"
	"sort"
	"strings"
)

// FieldError is one problem in a policy: where it is (file and line), which
// field (a dotted path such as groups.prod-auto.rollout.maxErrors) and what
// is wrong.
type FieldError struct {
	File  string `json:"file,omitempty"`
	Line  int    `json:"line,omitempty"`
	Field string `json:"field,omitempty"`
	Msg   string `json:"msg"`
}

// Error formats the problem as file:line: field: message, leaving out the
// parts that are unknown.
func (e FieldError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in a policy, in file and line order. Load
// and Validate return it (as *Errors) so that a user sees all mistakes at
// once.
type Errors []FieldError

// Error prints one problem per line.
func (e *Errors) Error() string {
	lines := make([]string, len(*e))
	for i, fe := range *e {
		lines[i] = fe.Error()
	}
	return strings.Join(lines, "\n")
}

// Pos is where a value was read from: a file and a 1-based line.
type Pos struct {
	File string `json:"file"`
	Line int    `json:"line"`
}

// collector gathers errors and knows the position of every decoded field
// path, so that validation can report file and line.
type collector struct {
	pos  map[string]Pos
	errs Errors
	// bad holds paths that already failed to decode; validation does not
	// report a second, derived error for them.
	bad map[string]bool
	// dropped counts problems beyond maxErrors.
	dropped int
}

// maxErrors bounds the problems kept; a file that is mostly wrong is not
// reported line by line past this.
const maxErrors = 200

func newCollector() *collector {
	return &collector{pos: map[string]Pos{}, bad: map[string]bool{}}
}

// at records a problem at an explicit position (decode errors).
func (c *collector) at(p Pos, path, format string, args ...any) {
	c.bad[path] = true
	if len(c.errs) >= maxErrors {
		c.dropped++
		return
	}
	c.errs = append(c.errs, FieldError{File: p.File, Line: p.Line, Field: path, Msg: fmt.Sprintf(format, args...)})
}

// add records a validation problem at path, located by the nearest decoded
// ancestor of path.
func (c *collector) add(path, format string, args ...any) {
	if c.bad[path] {
		return
	}
	if len(c.errs) >= maxErrors {
		c.dropped++
		return
	}
	p := c.lookup(path)
	c.errs = append(c.errs, FieldError{File: p.File, Line: p.Line, Field: path, Msg: fmt.Sprintf(format, args...)})
}

// lookup finds the position of path or of its closest ancestor.
func (c *collector) lookup(path string) Pos {
	for path != "" {
		if p, ok := c.pos[path]; ok {
			return p
		}
		i := strings.LastIndexAny(path, ".[")
		if i < 0 {
			break
		}
		path = path[:i]
	}
	return Pos{}
}

// result sorts the problems by file and line and returns them, or nil when
// there are none.
func (c *collector) result() error {
	if len(c.errs) == 0 {
		return nil
	}
	errs := append(Errors(nil), c.errs...)
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].File != errs[j].File {
			return errs[i].File < errs[j].File
		}
		return errs[i].Line < errs[j].Line
	})
	if c.dropped > 0 {
		errs = append(errs, FieldError{Msg: fmt.Sprintf("%d more errors not shown", c.dropped)})
	}
	return &errs
}

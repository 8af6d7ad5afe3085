package approval

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// DefaultMaxLifetime is how far ahead of its arrival a statement may
// expire: long enough to approve on Monday for the next window, short
// enough that a leaked signature stops mattering.
const DefaultMaxLifetime = 14 * 24 * time.Hour

// Expectation is what a statement must say to decide on one cycle.
type Expectation struct {
	Namespace string
	// Workflows are the workflow IDs a statement may name: a cycle's own,
	// and for a retry also the cycle's it retries.
	Workflows []string
	// Run is the first run ID of the cycle whose manifest is decided on.
	Run    string
	Digest string
	// Patches are the manifest's patch IDs; an approved subset must be
	// drawn from them.
	Patches []string
	// Approvers are the group's approvers.
	Approvers []string
	// StartNow says whether the group lets an approval start the install
	// outside its window.
	StartNow bool
	// Now is the verifier's clock (workflow.Now in workflow code).
	Now time.Time
	// MaxLifetime bounds Expires - Now (DefaultMaxLifetime if zero).
	MaxLifetime time.Duration
}

// Check refuses a statement that is not for this cycle, its manifest and
// its approvers, or that has expired. The messages say what is wrong
// without listing who may approve.
func (e Expectation) Check(st Statement) error {
	if !slices.ContainsFunc(e.Approvers, func(a string) bool { return strings.EqualFold(a, st.Approver) }) {
		return fmt.Errorf("%s may not decide on this cycle", st.Approver)
	}
	switch {
	case st.Namespace != e.Namespace:
		return fmt.Errorf("statement is for namespace %q, not %q", st.Namespace, e.Namespace)
	case !slices.Contains(e.Workflows, st.Workflow):
		return fmt.Errorf("statement is for workflow %s, not %s", st.Workflow, strings.Join(e.Workflows, " or "))
	case st.Run != e.Run:
		return fmt.Errorf("statement is for run %s, not %s (the cycle was started again: review it again)", st.Run, e.Run)
	case st.Digest != e.Digest:
		return fmt.Errorf("statement names digest %s, not the manifest's %s (review the cycle again)", st.Digest, e.Digest)
	case !st.Expires.After(e.Now):
		return fmt.Errorf("statement expired at %s", st.Expires.Format(time.RFC3339))
	}
	maxLife := e.MaxLifetime
	if maxLife <= 0 {
		maxLife = DefaultMaxLifetime
	}
	if st.Expires.Sub(e.Now) > maxLife {
		return fmt.Errorf("statement expires %s, more than %s ahead", st.Expires.Format(time.RFC3339), maxLife)
	}
	if st.Decision != Approve {
		return nil
	}
	var unknown []string
	for _, p := range st.Patches {
		if _, found := slices.BinarySearch(e.Patches, p); !found {
			unknown = append(unknown, p)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("patches not in the manifest: %s", strings.Join(unknown, ", "))
	}
	if st.Start == StartNow && !e.StartNow {
		return fmt.Errorf("the group does not allow installing outside its window: sign with \"start: window\"")
	}
	return nil
}

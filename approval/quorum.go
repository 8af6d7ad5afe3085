package approval

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Quorum collects the approvals of one cycle until Required distinct
// principals have approved the same digest, subset and start.
type Quorum struct {
	Required  int
	Approvals []Verified
}

// Admit checks that v may join the approvals so far: another principal,
// and the same decision on the same manifest as the first approval.
func (q Quorum) Admit(v Verified) error {
	if len(q.Approvals) == 0 {
		return nil
	}
	first := q.Approvals[0].Statement
	for _, a := range q.Approvals {
		if strings.EqualFold(a.Statement.Approver, v.Statement.Approver) {
			return fmt.Errorf("%s has already approved; a second approval must come from another approver", v.Statement.Approver)
		}
	}
	st := v.Statement
	if st.Digest != first.Digest || st.Start != first.Start || !slices.Equal(st.Patches, first.Patches) {
		return fmt.Errorf("this approval differs from the pending one (digest, patches or start): all approvers must sign the same decision")
	}
	return nil
}

// Complete reports whether enough principals have approved.
func (q Quorum) Complete() bool { return len(q.Approvals) >= max(1, q.Required) }

// Expires is the earliest expiry of the approvals: the decision holds only
// while every signature does.
func (q Quorum) Expires() time.Time {
	var t time.Time
	for _, a := range q.Approvals {
		if t.IsZero() || a.Statement.Expires.Before(t) {
			t = a.Statement.Expires
		}
	}
	return t
}

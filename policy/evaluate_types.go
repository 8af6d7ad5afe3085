package policy

import "time"

// Verdict is the outcome of evaluating one patch against a baseline.
type Verdict string

// Verdicts.
const (
	// Approved: the baseline approves the patch now.
	Approved Verdict = "approved"
	// Rejected: the patch is in RejectedPatches.
	Rejected Verdict = "rejected"
	// PendingApprovalDelay: a rule selects the patch but its
	// ApproveAfterDays has not elapsed; ApprovableOn says when it will.
	PendingApprovalDelay Verdict = "pending-approval-delay"
	// PendingMinPatchAge: the baseline approves the patch, but it is
	// younger than the group's minPatchAge; ApprovableOn says when it
	// will be old enough. It is not installed this cycle.
	PendingMinPatchAge Verdict = "pending-min-patch-age"
	// NotSelected: no rule and no explicit approval selects the patch.
	NotSelected Verdict = "not-selected"
	// FilteredOut: the baseline's GlobalFilters exclude the patch.
	FilteredOut Verdict = "filtered-out"
)

// Decision explains one evaluation: the verdict, what decided it, and why
// in one human line.
type Decision struct {
	PatchID string  `json:"patchId"`
	Verdict Verdict `json:"decision"`
	// Rule names what decided: "ApprovalRules.PatchRules[1]",
	// "ApprovedPatches", "RejectedPatches", "GlobalFilters", "minPatchAge".
	Rule            string    `json:"rule,omitempty"`
	ComplianceLevel string    `json:"complianceLevel,omitempty"`
	ApprovableOn    time.Time `json:"approvableOn,omitempty"`
	Reason          string    `json:"reason"`
	// Unapplied says which baseline filters could not be applied to the
	// patch because its cloud does not report their key, e.g. "Azure does
	// not report MSRC severity; the filter cannot be applied" (see
	// UnreportedKeys); empty when every filter could be. The review
	// counts these decisions.
	Unapplied string `json:"unapplied,omitempty"`
}

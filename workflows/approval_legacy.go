package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/report"
)

// The unsigned approvals of runs started before signed approvals
// (changeRelease2): kept so that their histories replay. Such a run
// installs nothing after the upgrade: its manifest digest and its unsigned
// approval fail the install checks.

func (s *runState) legacyCheck(approver, digest string, patches []string) error {
	if !slices.ContainsFunc(s.gate.expect.Approvers, func(a string) bool { return strings.EqualFold(a, strings.TrimSpace(approver)) }) {
		return fmt.Errorf("%q may not decide on this cycle", approver)
	}
	if digest != s.gate.expect.Digest {
		return fmt.Errorf("digest %q does not match the manifest's digest %s (review the cycle again)", digest, s.gate.expect.Digest)
	}
	for _, id := range patches {
		if _, ok := slices.BinarySearch(s.gate.expect.Patches, id); !ok {
			return fmt.Errorf("patches not in the manifest: %s", id)
		}
	}
	return nil
}

func (s *runState) legacyApprove(ctx workflow.Context, in ApproveInput) DecisionResult {
	s.gate.decision = &report.Approval{Decision: "approved", By: in.Approver, At: workflow.Now(ctx),
		Digest: in.Digest, Patches: in.Patches, Comment: in.Comment}
	s.all, s.approved = len(in.Patches) == 0, in.Patches
	s.status.Approval = s.gate.decision
	n := len(in.Patches)
	if s.all {
		n = len(s.gate.expect.Patches)
	}
	return DecisionResult{Decision: "approved", Digest: in.Digest, Patches: n}
}

func (s *runState) legacyReject(ctx workflow.Context, in RejectInput) DecisionResult {
	s.gate.decision = &report.Approval{Decision: "rejected", By: in.Approver, At: workflow.Now(ctx),
		Digest: s.gate.expect.Digest, Comment: in.Reason}
	s.status.Approval = s.gate.decision
	return DecisionResult{Decision: "rejected", Digest: s.gate.expect.Digest}
}

package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/report"
)

// registerApproval installs the approve and reject update handlers and the
// signal goroutines with the same names and the same checks.
func (c *cycle) registerApproval(ctx workflow.Context) error {
	err := workflow.SetUpdateHandlerWithOptions(ctx, ApproveName,
		func(ctx workflow.Context, in ApproveInput) (DecisionResult, error) { return c.approve(ctx, in), nil },
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in ApproveInput) error { return c.validateApprove(in) }})
	if err != nil {
		return err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, RejectName,
		func(ctx workflow.Context, in RejectInput) (DecisionResult, error) { return c.reject(ctx, in), nil },
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in RejectInput) error { return c.validateReject(in) }})
	if err != nil {
		return err
	}
	approveCh := workflow.GetSignalChannel(ctx, ApproveName)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var in ApproveInput
			approveCh.Receive(ctx, &in)
			if err := c.validateApprove(in); err != nil {
				c.refuse(ctx, ApproveName, in.Approver, err)
				continue
			}
			c.approve(ctx, in)
		}
	})
	rejectCh := workflow.GetSignalChannel(ctx, RejectName)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var in RejectInput
			rejectCh.Receive(ctx, &in)
			if err := c.validateReject(in); err != nil {
				c.refuse(ctx, RejectName, in.Approver, err)
				continue
			}
			c.reject(ctx, in)
		}
	})
	return nil
}

// validateApprove refuses an approval that is not for this cycle's
// manifest, from someone not allowed, or naming unknown patches.
func (c *cycle) validateApprove(in ApproveInput) error {
	if err := c.checkDecider(in.Approver); err != nil {
		return err
	}
	if in.Digest != c.review.Digest {
		return fmt.Errorf("digest %q does not match the manifest's digest %s (review the cycle again)", in.Digest, c.review.Digest)
	}
	known := map[string]bool{}
	for _, p := range c.review.Patches {
		known[p.ID] = true
	}
	var unknown []string
	for _, id := range in.Patches {
		if !known[id] {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		return fmt.Errorf("patches not in the manifest: %s", strings.Join(unknown, ", "))
	}
	return nil
}

func (c *cycle) validateReject(in RejectInput) error {
	if err := c.checkDecider(in.Approver); err != nil {
		return err
	}
	if strings.TrimSpace(in.Reason) == "" {
		return fmt.Errorf("a rejection needs a reason")
	}
	if in.Digest != "" && in.Digest != c.review.Digest {
		return fmt.Errorf("digest %q does not match the manifest's digest %s", in.Digest, c.review.Digest)
	}
	return nil
}

// checkDecider checks the phase and the approver.
func (c *cycle) checkDecider(approver string) error {
	if c.status.Phase != PhaseAwaitingApproval || c.decision != nil {
		return fmt.Errorf("cycle %s is not awaiting approval (phase %s)", c.run, c.status.Phase)
	}
	for _, ok := range c.snapshot.Group.Approval.Approvers {
		if strings.EqualFold(ok, strings.TrimSpace(approver)) {
			return nil
		}
	}
	return fmt.Errorf("%q is not an approver of group %s (approvers: %s)", approver, c.run.Group,
		strings.Join(c.snapshot.Group.Approval.Approvers, ", "))
}

func (c *cycle) approve(ctx workflow.Context, in ApproveInput) DecisionResult {
	c.decision = &report.Approval{Decision: "approved", By: in.Approver, At: workflow.Now(ctx),
		Digest: in.Digest, Patches: in.Patches, Comment: in.Comment}
	c.all = len(in.Patches) == 0
	c.approved = in.Patches
	c.status.Approval = c.decision
	n := len(in.Patches)
	if c.all {
		n = len(c.review.Patches)
	}
	return DecisionResult{Decision: "approved", Digest: in.Digest, Patches: n}
}

func (c *cycle) reject(ctx workflow.Context, in RejectInput) DecisionResult {
	c.decision = &report.Approval{Decision: "rejected", By: in.Approver, At: workflow.Now(ctx),
		Digest: c.review.Digest, Comment: in.Reason}
	c.status.Approval = c.decision
	return DecisionResult{Decision: "rejected", Digest: c.review.Digest}
}

// awaitApproval waits for a decision, a cancel or the timeout. It returns
// a final status when the cycle must end here, or "" to go on.
func (c *cycle) awaitApproval(ctx workflow.Context) (Status, error) {
	c.setPhase(ctx, PhaseAwaitingApproval)
	timeout := time.Duration(c.snapshot.Group.Approval.Timeout)
	decided, err := workflow.AwaitWithTimeout(ctx, timeout, func() bool { return c.decision != nil || c.control.cancelled })
	if err != nil {
		return "", err
	}
	switch {
	case c.control.cancelled:
		return StatusCancelled, nil
	case !decided:
		c.decision = &report.Approval{Decision: "expired", At: workflow.Now(ctx), Digest: c.review.Digest,
			Comment: fmt.Sprintf("no decision within %s", timeout)}
		c.status.Approval = c.decision
		return StatusExpired, nil
	case c.decision.Decision == "rejected":
		return StatusRejected, nil
	}
	return "", nil
}

// refuse logs an invalid approve or reject signal and shows it in the
// status and the Web UI's details: a signal has no answer to carry it.
func (c *cycle) refuse(ctx workflow.Context, name, approver string, err error) {
	workflow.GetLogger(ctx).Warn("signal refused", "signal", name, "approver", approver, "error", err)
	c.status.LastRefusal = fmt.Sprintf("%s signal from %q refused at %s: %v", name, approver,
		workflow.Now(ctx).UTC().Format(time.RFC3339), err)
	workflow.SetCurrentDetails(ctx, details(c.status))
}

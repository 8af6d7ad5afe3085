package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/report"
)

// gate is a run's approval gate. The approve and reject handlers (updates
// and signals alike) verify signed statements with the keys of the run's
// policy snapshot (pure computation, so replay is deterministic) and
// collect them into a decision.
type gate struct {
	// expect is what a statement must say; Now is set per check.
	expect   approval.Expectation
	signers  []approval.AllowedSigner
	quorum   approval.Quorum
	sigs     []report.Signature
	decision *report.Approval
	// legacy: the run started before signed approvals (see versions.go).
	legacy bool
}

// refusal marks a validator's refusal as codec.RefusalType: refused
// updates leave no trace in history, so with encryption on the caller
// (the Web UI, the Temporal CLI) still reads the reason.
func refusal(err error) error {
	if err == nil {
		return nil
	}
	return temporal.NewNonRetryableApplicationError(err.Error(), codec.RefusalType, nil)
}

// registerApproval installs the approve and reject update handlers and the
// signal goroutines with the same names and the same checks.
func (s *runState) registerApproval(ctx workflow.Context) error {
	err := workflow.SetUpdateHandlerWithOptions(ctx, ApproveName,
		func(ctx workflow.Context, in ApproveInput) (DecisionResult, error) { return s.approve(ctx, in), nil },
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in ApproveInput) error { return refusal(s.validateApprove(ctx, in)) }})
	if err != nil {
		return err
	}
	err = workflow.SetUpdateHandlerWithOptions(ctx, RejectName,
		func(ctx workflow.Context, in RejectInput) (DecisionResult, error) { return s.reject(ctx, in), nil },
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in RejectInput) error { return refusal(s.validateReject(ctx, in)) }})
	if err != nil {
		return err
	}
	approveCh := workflow.GetSignalChannel(ctx, ApproveName)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var in ApproveInput
			approveCh.Receive(ctx, &in)
			if err := s.validateApprove(ctx, in); err != nil {
				s.refuse(ctx, ApproveName, err)
				continue
			}
			s.approve(ctx, in)
		}
	})
	rejectCh := workflow.GetSignalChannel(ctx, RejectName)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var in RejectInput
			rejectCh.Receive(ctx, &in)
			if err := s.validateReject(ctx, in); err != nil {
				s.refuse(ctx, RejectName, err)
				continue
			}
			s.reject(ctx, in)
		}
	})
	return nil
}

// awaiting refuses a decision when the run is not waiting for one.
func (s *runState) awaiting() error {
	if s.status.Phase != PhaseAwaitingApproval || s.gate.decision != nil {
		return fmt.Errorf("%s is not awaiting approval (phase %s)", s.run.WorkflowID(), s.status.Phase)
	}
	return nil
}

// verify checks a signed statement: the signature, by a key the snapshot
// lists for the statement's approver, and what it is for.
func (s *runState) verify(ctx workflow.Context, signed approval.Signed, want approval.Decision) (approval.Verified, error) {
	now := workflow.Now(ctx)
	v, err := approval.Verify(signed, s.gate.signers, now)
	if err != nil {
		return v, err
	}
	if v.Statement.Decision != want {
		return v, fmt.Errorf("the statement decides %s; send it as the %s update or signal", v.Statement.Decision, v.Statement.Decision)
	}
	e := s.gate.expect
	e.Now = now
	return v, e.Check(v.Statement)
}

func (s *runState) validateApprove(ctx workflow.Context, in ApproveInput) error {
	if err := s.awaiting(); err != nil {
		return err
	}
	if s.gate.legacy {
		return s.legacyCheck(in.Approver, in.Digest, in.Patches)
	}
	v, err := s.verify(ctx, in.Signed, approval.Approve)
	if err != nil {
		return err
	}
	return s.gate.quorum.Admit(v)
}

func (s *runState) validateReject(ctx workflow.Context, in RejectInput) error {
	if err := s.awaiting(); err != nil {
		return err
	}
	if s.gate.legacy {
		if strings.TrimSpace(in.Reason) == "" {
			return fmt.Errorf("a rejection needs a reason")
		}
		if in.Digest == "" {
			in.Digest = s.gate.expect.Digest
		}
		return s.legacyCheck(in.Approver, in.Digest, nil)
	}
	_, err := s.verify(ctx, in.Signed, approval.Reject)
	return err
}

// approve applies an approval the validator accepted. Handlers apply, they
// do not judge: a replayed history applies what was accepted then.
func (s *runState) approve(ctx workflow.Context, in ApproveInput) DecisionResult {
	if s.gate.legacy {
		return s.legacyApprove(ctx, in)
	}
	v, err := approval.Inspect(in.Signed)
	if err != nil {
		workflow.GetLogger(ctx).Error("accepted approval unreadable", "error", err)
		return DecisionResult{Decision: "refused"}
	}
	g := &s.gate
	g.quorum.Approvals = append(g.quorum.Approvals, v)
	g.sigs = append(g.sigs, signatureOf(v, in.Signed, workflow.Now(ctx)))
	st := v.Statement
	res := DecisionResult{Decision: "pending", Digest: st.Digest, Patches: len(st.Patches),
		Approvals: len(g.quorum.Approvals), Required: max(1, g.quorum.Required)}
	if st.Patches == nil {
		res.Patches = len(g.expect.Patches)
	}
	if s.status.Sign != nil {
		s.status.Sign.Approved = append(s.status.Sign.Approved, st.Approver)
	}
	if !g.quorum.Complete() {
		workflow.SetCurrentDetails(ctx, details(s.status))
		return res
	}
	var by, comments []string
	for _, a := range g.quorum.Approvals {
		by = append(by, a.Statement.Approver)
		if a.Statement.Comment != "" {
			comments = append(comments, a.Statement.Comment)
		}
	}
	g.decision = &report.Approval{Decision: "approved", By: strings.Join(by, ", "), At: workflow.Now(ctx),
		Digest: st.Digest, Patches: st.Patches, Start: string(st.Start), Expires: g.quorum.Expires(),
		Comment: strings.Join(comments, "; "), Required: res.Required, Signatures: g.sigs}
	s.all, s.approved = st.Patches == nil, st.Patches
	s.status.Approval = g.decision
	res.Decision = "approved"
	return res
}

// reject applies a rejection the validator accepted: one approver's signed
// rejection ends the run.
func (s *runState) reject(ctx workflow.Context, in RejectInput) DecisionResult {
	if s.gate.legacy {
		return s.legacyReject(ctx, in)
	}
	v, err := approval.Inspect(in.Signed)
	if err != nil {
		workflow.GetLogger(ctx).Error("accepted rejection unreadable", "error", err)
		return DecisionResult{Decision: "refused"}
	}
	g := &s.gate
	g.sigs = append(g.sigs, signatureOf(v, in.Signed, workflow.Now(ctx)))
	g.decision = &report.Approval{Decision: "rejected", By: v.Statement.Approver, At: workflow.Now(ctx),
		Digest: v.Statement.Digest, Comment: v.Statement.Comment, Required: max(1, g.quorum.Required), Signatures: g.sigs}
	s.status.Approval = g.decision
	return DecisionResult{Decision: "rejected", Digest: v.Statement.Digest}
}

func signatureOf(v approval.Verified, signed approval.Signed, at time.Time) report.Signature {
	return report.Signature{Principal: v.Statement.Approver, Decision: string(v.Statement.Decision), KeyType: v.KeyType,
		Fingerprint: v.Fingerprint, Received: at, Statement: signed.Statement, Signature: signed.Signature}
}

// openGate readies the gate for statements on a manifest; sign is what
// the status shows an approver.
func (s *runState) openGate(ctx workflow.Context, digest string, patches []string, startNow bool, sign SignRequest) error {
	a := s.snapshot.Group.Approval
	if a == nil {
		return workflowBadInput("group %s has no approval settings", s.run.Group)
	}
	signers, err := a.Signers()
	if err != nil {
		return workflowBadInput("group %s: %v", s.run.Group, err)
	}
	s.gate.signers = signers
	s.gate.quorum.Required = a.Required
	s.gate.expect = approval.Expectation{Namespace: workflow.GetInfo(ctx).Namespace, Workflows: []string{sign.Workflow},
		Run: s.run.ID, Digest: digest, Patches: slices.Sorted(slices.Values(patches)), Approvers: a.Approvers, StartNow: startNow}
	sign.Namespace, sign.Run, sign.Digest, sign.Required = s.gate.expect.Namespace, s.run.ID, digest, max(1, a.Required)
	s.status.Sign = &sign
	return nil
}

// awaitApproval waits for a decision, a cancel or the timeout. It returns
// a final status when the run must end here, or "" to go on.
func (s *runState) awaitApproval(ctx workflow.Context) (Status, error) {
	s.setPhase(ctx, PhaseAwaitingApproval)
	timeout := time.Duration(s.snapshot.Group.Approval.Timeout)
	decided, err := workflow.AwaitWithTimeout(ctx, timeout, func() bool { return s.gate.decision != nil || s.control.cancelled })
	if err != nil {
		return "", err
	}
	switch {
	case s.control.cancelled:
		return StatusCancelled, nil
	case !decided:
		s.gate.decision = &report.Approval{Decision: "expired", At: workflow.Now(ctx), Digest: s.gate.expect.Digest,
			Comment: fmt.Sprintf("no decision within %s", timeout), Required: max(1, s.gate.quorum.Required), Signatures: s.gate.sigs}
		s.status.Approval = s.gate.decision
		return StatusExpired, nil
	case s.gate.decision.Decision == "rejected":
		return StatusRejected, nil
	}
	return "", nil
}

// refuse logs an invalid approve or reject signal and shows it in the
// status and the Web UI's details: a signal has no answer to carry it.
func (s *runState) refuse(ctx workflow.Context, name string, err error) {
	workflow.GetLogger(ctx).Warn("signal refused", "signal", name, "error", err)
	s.status.LastRefusal = fmt.Sprintf("%s signal refused at %s: %v", name, workflow.Now(ctx).UTC().Format(time.RFC3339), err)
	workflow.SetCurrentDetails(ctx, details(s.status))
}

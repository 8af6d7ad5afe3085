package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

func init() {
	register(command{Name: "verify-approval", Usage: "--report FILE [--policy PATH]",
		Summary: "verify, offline, the signed approval or rejection recorded in a cycle's report.json", Run: runVerifyApproval})
}

func runVerifyApproval(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("verify-approval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	reportPath := fs.String("report", "", "the run's report.json")
	polPath := fs.String("policy", "deployments/examples/policy", "the policy whose approvers' keys verify the signatures")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *reportPath == "" {
		fmt.Fprintln(stderr, "verify-approval: --report is required")
		return 2
	}
	h, err := readHeader(*reportPath)
	if err != nil {
		fmt.Fprintln(stderr, "verify-approval:", err)
		return 1
	}
	pol, err := policy.Load(*polPath)
	if err != nil {
		fmt.Fprintf(stderr, "verify-approval: policy %s:\n%v\n", *polPath, err)
		return 1
	}
	if err := verifyApproval(h, pol, stdout); err != nil {
		fmt.Fprintln(stderr, "verify-approval:", err)
		return 1
	}
	return 0
}

func readHeader(path string) (report.Header, error) {
	f, err := os.Open(path)
	if err != nil {
		return report.Header{}, err
	}
	defer f.Close()
	var h report.Header
	err = report.Decode(f, func(_ string, hh report.Header) error { h = hh; return nil }, func(*report.Instance) error { return nil })
	return h, err
}

// verifyApproval checks every recorded statement against the policy's keys
// for the group (as of when the cycle received it) and against the report:
// namespace, workflow, run, manifest digest, decision, and for an approval
// the quorum and the approved subset.
func verifyApproval(h report.Header, pol *policy.Policy, out io.Writer) error {
	a := h.Approval
	if a == nil || len(a.Signatures) == 0 {
		return fmt.Errorf("the report of %s/%s records no signed decision", h.Group, h.Cycle)
	}
	g, err := pol.Group(h.Group)
	if err != nil || g.Approval == nil {
		return fmt.Errorf("the policy has no approval group %s", h.Group)
	}
	signers, err := g.Approval.Signers()
	if err != nil {
		return err
	}
	run := activities.Run{Group: h.Group, Cycle: h.Cycle, ID: h.Run, Retry: h.Retry}
	q := approval.Quorum{Required: a.Required}
	var failed int
	for _, sig := range a.Signatures {
		v, err := approval.Verify(approval.Signed{Statement: sig.Statement, Signature: sig.Signature}, signers, sig.Received)
		if err == nil {
			e := approval.Expectation{Namespace: h.Namespace, Workflows: []string{run.Base().WorkflowID(), run.WorkflowID()}, Run: h.Run,
				Digest: h.ManifestDigest, Patches: v.Statement.Patches, Approvers: g.Approval.Approvers, StartNow: true, Now: sig.Received}
			err = e.Check(v.Statement)
		}
		if err == nil && string(v.Statement.Decision) != sig.Decision {
			err = fmt.Errorf("the statement decides %s, the report says %s", v.Statement.Decision, sig.Decision)
		}
		if err == nil && v.Statement.Decision == approval.Approve && a.Decision == "approved" {
			if !slices.Equal(v.Statement.Patches, a.Patches) && !(v.Statement.Patches == nil && len(a.Patches) == 0) {
				err = errors.New("the statement approves other patches than the report records")
			}
			if err == nil {
				err = q.Admit(v)
				q.Approvals = append(q.Approvals, v)
			}
		}
		if err != nil {
			failed++
			fmt.Fprintf(out, "FAIL  %s  %s\n", sig.Principal, err)
			continue
		}
		fmt.Fprintf(out, "OK    %s  %s %s  %s  received %s\n", v.Statement.Approver, v.KeyType, v.Fingerprint, v.Statement.Decision,
			sig.Received.UTC().Format(time.RFC3339))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d signatures do not verify", failed, len(a.Signatures))
	}
	if a.Decision == "approved" && !q.Complete() {
		return fmt.Errorf("%d approvals recorded, %d needed", len(q.Approvals), max(1, q.Required))
	}
	fmt.Fprintf(out, "%s of %s (run %s, manifest %s) verified: %d signed statements by approvers of group %s\n",
		a.Decision, run.WorkflowID(), h.Run, h.ManifestDigest, len(a.Signatures), h.Group)
	return nil
}

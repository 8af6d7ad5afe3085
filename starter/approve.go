package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "approve",
		Usage:   "--group G --cycle ID [--retry N] --approver P --key FILE [--patch ID ...] [--start window|now] [--expires 72h] [--comment TEXT] [--print] | --statement FILE --signature FILE",
		Summary: "sign and send an approval of a cycle's manifest (or a subset of its patches)", Run: runApprove})
}

func runApprove(args []string, stdout, stderr io.Writer) int {
	return runDecision("approve", approval.Approve, args, stdout, stderr)
}

// runDecision signs (or takes a pre-signed) statement deciding on the
// run's manifest and sends it as the approve or reject update, or prints
// the payload.
func runDecision(name string, decision approval.Decision, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf cycleFlags
	cf.register(fs)
	var sf statementFlags
	sf.register(fs, decision == approval.Approve)
	if decision == approval.Reject {
		fs.StringVar(&sf.comment, "reason", "", "why (recorded in the report); required")
	}
	var kf signFlags
	kf.register(fs)
	if !cf.parse(fs, args, stderr) {
		return 2
	}
	c, err := cf.dial()
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	defer c.Close()
	id := cf.workflowID()
	signed, err := kf.signed(func() (approval.Statement, error) {
		st, err := queryStatus(context.Background(), c, id)
		if err != nil {
			return approval.Statement{}, errors.New(describeError(id, err))
		}
		if st.Sign == nil || st.Phase != workflows.PhaseAwaitingApproval {
			return approval.Statement{}, fmt.Errorf("%s is not awaiting approval (phase %s)", id, st.Phase)
		}
		return sf.statement(st.Sign, decision, time.Now())
	})
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	if kf.print {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return exitCode(enc.Encode(signed), stderr)
	}
	var res workflows.DecisionResult
	var in any = workflows.ApproveInput{Signed: signed}
	updateName := workflows.ApproveName
	if decision == approval.Reject {
		in, updateName = workflows.RejectInput{Signed: signed}, workflows.RejectName
	}
	if err := update(c, id, updateName, in, &res); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	v, _ := approval.Inspect(signed)
	switch res.Decision {
	case "pending":
		fmt.Fprintf(stdout, "recorded the approval by %s (%d of %d needed) of %s (digest %s)\n", v.Statement.Approver, res.Approvals, res.Required, id, res.Digest)
	case "rejected":
		fmt.Fprintf(stdout, "rejected %s (digest %s) as %s with key %s\n", id, res.Digest, v.Statement.Approver, v.Fingerprint)
	default:
		fmt.Fprintf(stdout, "approved %d patches of %s (digest %s) as %s with key %s\n", res.Patches, id, res.Digest, v.Statement.Approver, v.Fingerprint)
	}
	return 0
}

// update sends an update and waits for its result; errors are one line.
func update(c client.Client, id, name string, in, out any) error {
	ctx := context.Background()
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: name,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{in}})
	if err == nil {
		err = h.Get(ctx, out)
	}
	if err != nil {
		return errors.New(describeError(id, err))
	}
	return nil
}

// describeError turns a server error into one line.
func describeError(id string, err error) string {
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return "no such cycle: " + id
	}
	msg := err.Error()
	// The validator's message is what the operator needs.
	if i := strings.LastIndex(msg, "(type: "); i > 0 {
		msg = strings.TrimSpace(msg[:i])
	}
	return "refused: " + msg
}

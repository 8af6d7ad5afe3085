package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "approve", Usage: "--group G --cycle ID --approver EMAIL --digest D [--patch ID ...] [--comment TEXT]",
		Summary: "approve a cycle's manifest (or a subset of its patches)", Run: runApprove})
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runApprove(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("approve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var tf temporalFlags
	tf.register(fs)
	group := fs.String("group", "", "patch group")
	cycle := fs.String("cycle", "", "cycle, e.g. 2026-W48")
	var in workflows.ApproveInput
	fs.StringVar(&in.Approver, "approver", "", "your identity, one of the group's approvers")
	fs.StringVar(&in.Digest, "digest", "", "the manifest digest shown by the review")
	fs.StringVar(&in.Comment, "comment", "", "comment for the audit trail")
	var patches multiFlag
	fs.Var(&patches, "patch", "approve only this patch ID (repeatable); default all")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	in.Patches = patches
	if *group == "" || *cycle == "" || in.Approver == "" || in.Digest == "" {
		fmt.Fprintln(stderr, "approve: --group, --cycle, --approver and --digest are required")
		return 2
	}
	c, err := tf.dial()
	if err != nil {
		fmt.Fprintln(stderr, "approve:", err)
		return 1
	}
	defer c.Close()
	id := workflows.WorkflowID(*group, *cycle)
	h, err := c.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: workflows.ApproveName,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{in}})
	var res workflows.DecisionResult
	if err == nil {
		err = h.Get(context.Background(), &res)
	}
	if err != nil {
		fmt.Fprintln(stderr, "approve:", describeUpdateError(id, err))
		return 1
	}
	fmt.Fprintf(stdout, "approved %d patches of %s (digest %s)\n", res.Patches, id, res.Digest)
	return 0
}

// describeUpdateError turns a server error into one line.
func describeUpdateError(id string, err error) string {
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

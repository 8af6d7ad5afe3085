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
	var cf cycleFlags
	cf.register(fs)
	var in workflows.ApproveInput
	fs.StringVar(&in.Approver, "approver", "", "your identity, one of the group's approvers")
	fs.StringVar(&in.Digest, "digest", "", "the manifest digest shown by the review")
	fs.StringVar(&in.Comment, "comment", "", "comment for the audit trail")
	var patches multiFlag
	fs.Var(&patches, "patch", "approve only this patch ID (repeatable); default all")
	if !cf.parse(fs, args, stderr) {
		return 2
	}
	in.Patches = patches
	if in.Approver == "" || in.Digest == "" {
		fmt.Fprintln(stderr, "approve: --approver and --digest are required")
		return 2
	}
	c, err := cf.dial()
	if err != nil {
		fmt.Fprintln(stderr, "approve:", err)
		return 1
	}
	defer c.Close()
	id := workflows.WorkflowID(cf.group, cf.cycle)
	var res workflows.DecisionResult
	if err := update(c, id, workflows.ApproveName, in, &res); err != nil {
		fmt.Fprintln(stderr, "approve:", err)
		return 1
	}
	fmt.Fprintf(stdout, "approved %d patches of %s (digest %s)\n", res.Patches, id, res.Digest)
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

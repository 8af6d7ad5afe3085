package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "retry", Usage: "--group G --cycle ID",
		Summary: "re-run install and verify for a finished cycle's failed and not-attempted servers", Run: runRetry})
}

func runRetry(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("retry", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf cycleFlags
	cf.register(fs)
	if !cf.parse(fs, args, stderr) {
		return 2
	}
	c, err := cf.dial()
	if err != nil {
		fmt.Fprintln(stderr, "retry:", err)
		return 1
	}
	defer c.Close()
	ctx := context.Background()
	id := workflows.WorkflowID(cf.group, cf.cycle)
	if _, err := c.DescribeWorkflowExecution(ctx, id, ""); err != nil {
		fmt.Fprintln(stderr, "retry:", describeError(id, err))
		return 1
	}
	n, err := nextRetry(ctx, c, cf.group, cf.cycle)
	if err != nil {
		fmt.Fprintln(stderr, "retry:", err)
		return 1
	}
	rid := workflows.RetryWorkflowID(cf.group, cf.cycle, n)
	_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: rid, TaskQueue: cf.taskQueue}, workflows.RetryFailedWorkflow,
		workflows.RetryInput{Group: cf.group, Cycle: cf.cycle, Attempt: n})
	if err != nil {
		fmt.Fprintf(stderr, "retry: %s: %v\n", rid, err)
		return 1
	}
	fmt.Fprintf(stdout, "started %s\n", rid)
	return 0
}

// nextRetry is the first retry number with no workflow yet.
func nextRetry(ctx context.Context, c client.Client, group, cycle string) (int, error) {
	for n := 1; ; n++ {
		_, err := c.DescribeWorkflowExecution(ctx, workflows.RetryWorkflowID(group, cycle, n), "")
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
	}
}

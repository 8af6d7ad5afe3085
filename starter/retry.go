package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "retry", Usage: "--group G --cycle ID [--now]",
		Summary: "re-run install and verify for a finished cycle's failed and not-attempted servers", Run: runRetry})
}

func runRetry(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("retry", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf cycleFlags
	cf.register(fs)
	now := fs.Bool("now", false, "install at once instead of in the group's next install window (the group must allow on-demand runs; an approval group's approval must say start: now)")
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
		workflows.RetryInput{Group: cf.group, Cycle: cf.cycle, Attempt: n, InstallNow: *now})
	if err != nil {
		fmt.Fprintf(stderr, "retry: %s: %v\n", rid, err)
		return 1
	}
	fmt.Fprintf(stdout, "started %s\n", rid)
	return 0
}

// nextRetry is the first retry number with no workflow yet; it refuses
// while the cycle or the previous retry still runs (two runs must never
// install on the same instances at once).
func nextRetry(ctx context.Context, c client.Client, group, cycle string) (int, error) {
	prev := workflows.WorkflowID(group, cycle)
	for n := 1; ; n++ {
		id := workflows.RetryWorkflowID(group, cycle, n)
		_, err := c.DescribeWorkflowExecution(ctx, id, "")
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			d, err := c.DescribeWorkflowExecution(ctx, prev, "")
			if err != nil {
				return 0, err
			}
			if d.WorkflowExecutionInfo.Status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
				return 0, fmt.Errorf("%s is still running; retry once it has finished", prev)
			}
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		prev = id
	}
}

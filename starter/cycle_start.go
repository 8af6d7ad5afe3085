package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "cycle start", Usage: "--group G [--cycle ID] [--now] [--policy PATH]",
		Summary: "start a group's cycle (default: this week's)", Run: runCycleStart})
}

func runCycleStart(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cycle start", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf cycleFlags
	cf.register(fs)
	now := fs.Bool("now", false, "install at once instead of in the group's install window (the group must allow on-demand runs; an approval group still needs a signed approval that says start: now)")
	polPath := fs.String("policy", "deployments/examples/policy", "policy, to check that the group exists")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cf.group == "" {
		fmt.Fprintln(stderr, "cycle start: --group is required")
		return 2
	}
	if pol, err := policy.Load(*polPath); err != nil {
		fmt.Fprintf(stderr, "cycle start: policy %s: %v\n", *polPath, err)
		return 1
	} else if g, err := pol.Group(cf.group); err != nil {
		fmt.Fprintln(stderr, "cycle start: unknown group", cf.group)
		return 1
	} else if *now && !g.OnDemand {
		fmt.Fprintf(stderr, "cycle start: group %s does not allow installing outside its install window (--now): set onDemand: true in its policy\n", cf.group)
		return 1
	}
	if cf.cycle == "" {
		cf.cycle = workflows.CycleOf(time.Now())
	}
	c, err := cf.dial()
	if err != nil {
		fmt.Fprintln(stderr, "cycle start:", err)
		return 1
	}
	defer c.Close()
	id := workflows.WorkflowID(cf.group, cf.cycle)
	// A week whose cycle failed, was terminated or timed out can be run
	// again (its artifacts are keyed by run, so nothing is reused); a
	// completed or running cycle is not started twice.
	run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: id, TaskQueue: cf.taskQueue, WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, workflows.PatchCycleWorkflow, workflows.CycleInput{Group: cf.group, Cycle: cf.cycle, InstallNow: *now})
	if err != nil {
		fmt.Fprintf(stderr, "cycle start: %s: %v\n", id, err)
		return 1
	}
	fmt.Fprintf(stdout, "started %s (run %s)\n", id, run.GetRunID())
	return 0
}

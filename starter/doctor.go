package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "doctor", Usage: "--group G [--limit N] [--json]",
		Summary: "check now what would keep a group's instances from being patched (agents, stopped instances, instance profiles, Azure patch mode)", Run: runDoctor})
}

func runDoctor(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var tf temporalFlags
	tf.register(fs)
	group := fs.String("group", "", "patch group to check")
	limit := fs.Int("limit", 0, "instances to list with findings (default 100, at most 1000)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *group == "" {
		fmt.Fprintln(stderr, "doctor: --group is required")
		return 2
	}
	c, err := tf.dial()
	if err != nil {
		fmt.Fprintln(stderr, "doctor:", err)
		return 1
	}
	defer c.Close()
	ctx := context.Background()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.DoctorWorkflowID(*group), TaskQueue: tf.taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.DoctorWorkflow, activities.DoctorInput{Group: *group, Limit: *limit})
	if err != nil {
		fmt.Fprintln(stderr, "doctor:", err)
		return 1
	}
	var res activities.DoctorResult
	if err := run.Get(ctx, &res); err != nil {
		fmt.Fprintf(stderr, "doctor: group %s: %v\n", *group, err)
		return 1
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return exitCode(enc.Encode(res), stderr)
	}
	fmt.Fprintf(stdout, "group %s: %d instances discovered", res.Group, res.Discovered)
	printPreflight(stdout, &res.PreflightSummary)
	if res.Blocked > 0 {
		return 3
	}
	return 0
}

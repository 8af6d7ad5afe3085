package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "reject", Usage: "--group G --cycle ID --approver EMAIL --reason TEXT",
		Summary: "reject a cycle's manifest; the cycle ends without installing", Run: runReject})
}

func runReject(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("reject", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf cycleFlags
	cf.register(fs)
	var in workflows.RejectInput
	fs.StringVar(&in.Approver, "approver", "", "your identity, one of the group's approvers")
	fs.StringVar(&in.Reason, "reason", "", "why (recorded in the report)")
	fs.StringVar(&in.Digest, "digest", "", "optional: the manifest digest you reviewed")
	if !cf.parse(fs, args, stderr) {
		return 2
	}
	if in.Approver == "" || in.Reason == "" {
		fmt.Fprintln(stderr, "reject: --approver and --reason are required")
		return 2
	}
	c, err := cf.dial()
	if err != nil {
		fmt.Fprintln(stderr, "reject:", err)
		return 1
	}
	defer c.Close()
	id := workflows.WorkflowID(cf.group, cf.cycle)
	var res workflows.DecisionResult
	if err := update(c, id, workflows.RejectName, in, &res); err != nil {
		fmt.Fprintln(stderr, "reject:", err)
		return 1
	}
	fmt.Fprintf(stdout, "rejected %s (digest %s)\n", id, res.Digest)
	return 0
}

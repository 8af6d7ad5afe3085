package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/fleetpatch/fleetpatch/workflows"
)

// cycleFlags are the flags of commands that act on one group's cycle.
type cycleFlags struct {
	temporalFlags
	group string
	cycle string
	retry int
}

func (c *cycleFlags) register(fs *flag.FlagSet) {
	c.temporalFlags.register(fs)
	fs.StringVar(&c.group, "group", "", "patch group")
	fs.StringVar(&c.cycle, "cycle", "", "cycle, e.g. 2026-W48")
	fs.IntVar(&c.retry, "retry", 0, "act on the n-th RetryFailed run of the cycle instead of the cycle")
}

// parse parses args and checks that group and cycle are set.
func (c *cycleFlags) parse(fs *flag.FlagSet, args []string, stderr io.Writer) bool {
	if err := fs.Parse(args); err != nil {
		return false
	}
	if c.group == "" || c.cycle == "" {
		fmt.Fprintf(stderr, "%s: --group and --cycle are required\n", fs.Name())
		return false
	}
	return true
}

// workflowID is the cycle's workflow ID, or its retry's.
func (c *cycleFlags) workflowID() string {
	if c.retry > 0 {
		return workflows.RetryWorkflowID(c.group, c.cycle, c.retry)
	}
	return workflows.WorkflowID(c.group, c.cycle)
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	for _, c := range []struct{ name, summary string }{
		{workflows.PauseSignal, "stop starting new batches of a cycle until resume"},
		{workflows.ResumeSignal, "let a paused cycle go on"},
		{workflows.CancelSignal, "stop a cycle between batches; it ends as cancelled with a report"},
	} {
		name := c.name
		register(command{Name: name, Usage: "--group G --cycle ID [--reason TEXT]", Summary: c.summary,
			Run: func(args []string, stdout, stderr io.Writer) int { return runControl(name, args, stdout, stderr) }})
	}
}

// runControl sends the pause, resume or cancel signal.
func runControl(name string, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf cycleFlags
	cf.register(fs)
	var in workflows.ControlInput
	fs.StringVar(&in.By, "by", envOr("USER", ""), "who sends it (for the log)")
	fs.StringVar(&in.Reason, "reason", "", "why (for the log)")
	if !cf.parse(fs, args, stderr) {
		return 2
	}
	c, err := cf.dial()
	if err != nil {
		fmt.Fprintln(stderr, name+":", err)
		return 1
	}
	defer c.Close()
	id := workflows.WorkflowID(cf.group, cf.cycle)
	if err := c.SignalWorkflow(context.Background(), id, "", name, in); err != nil {
		fmt.Fprintln(stderr, name+":", describeError(id, err))
		return 1
	}
	fmt.Fprintf(stdout, "sent %s to %s\n", name, id)
	return 0
}

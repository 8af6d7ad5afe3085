package main

import (
	"flag"
	"fmt"
	"io"
)

// cycleFlags are the flags of commands that act on one group's cycle.
type cycleFlags struct {
	temporalFlags
	group string
	cycle string
}

func (c *cycleFlags) register(fs *flag.FlagSet) {
	c.temporalFlags.register(fs)
	fs.StringVar(&c.group, "group", "", "patch group")
	fs.StringVar(&c.cycle, "cycle", "", "cycle, e.g. 2026-W48")
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

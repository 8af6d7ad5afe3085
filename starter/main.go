// Command starter is fleetpatch's operator CLI: the embedded dev stack,
// policy checks, cycles, approvals, status and reports.
//
// Usage:
//
//	go run ./starter COMMAND [SUBCOMMAND] [flags]
//
// Each command lives in its own file and registers itself in commands.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one CLI command, such as "policy validate".
type command struct {
	// Name is the command words, e.g. "policy validate".
	Name string
	// Usage is the argument synopsis shown in help.
	Usage string
	// Summary is one line for the command list.
	Summary string
	// Run executes the command with the arguments after its name and
	// returns the process exit code.
	Run func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

// register adds a command; each command file calls it from init.
func register(c command) { commands[c.Name] = c }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run finds the longest registered command name that prefixes args and runs
// it; it returns the exit code.
func run(args []string, stdout, stderr io.Writer) int {
	for n := min(len(args), 3); n > 0; n-- {
		if c, ok := commands[strings.Join(args[:n], " ")]; ok {
			return c.Run(args[n:], stdout, stderr)
		}
	}
	if len(args) > 0 && args[0] != "help" && args[0] != "-h" && args[0] != "--help" {
		fmt.Fprintf(stderr, "starter: unknown command %q\n\n", strings.Join(args, " "))
		usage(stderr)
		return 2
	}
	usage(stdout)
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "fleetpatch operator CLI\n\nUsage: go run ./starter COMMAND [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-20s %s\n", n, commands[n].Summary)
	}
	fmt.Fprintln(w, "\nRun 'go run ./starter COMMAND -h' for a command's flags.")
}

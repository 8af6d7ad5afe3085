package suite

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fleetpatch/fleetpatch/workflows"
)

// Result is what a run did and what its checks found.
type Result struct {
	Servers        int
	Workers        int
	Kills          int
	ServerRestarts int
	Status         workflows.Status
	Reason         string
	Counts         workflows.Counts
	Duration       time.Duration
	Checks         []Check
}

// Check is one promise checked against the emulators' records.
type Check struct {
	Name   string
	OK     bool
	Figure string
}

// Passed reports whether every check held.
func (r Result) Passed() bool {
	for _, c := range r.Checks {
		if !c.OK {
			return false
		}
	}
	return len(r.Checks) > 0
}

// Print writes the run's figures and the checks as a table.
func (r Result) Print(w io.Writer) {
	fmt.Fprintf(w, "chaos run: %d servers (AWS and Azure), %d workers, %d worker SIGKILLs, %d Temporal server restarts, %s\n",
		r.Servers, r.Workers, r.Kills, r.ServerRestarts, r.Duration.Round(time.Second))
	c := r.Counts
	fmt.Fprintf(w, "cycle ended %s%s: discovered %d, scanned %d (scan failed %d), planned %d, patched %d, pending reboot %d, live-patched %d, failed %d, unreachable %d\n\n",
		r.Status, reasonSuffix(r.Reason), c.Discovered, c.Scanned, c.ScanFailed, c.Planned, c.Patched, c.PendingReboot, c.LivePatched, c.Failed, c.Unreachable)
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK (from the emulators' records)\tRESULT\tFIGURES")
	for _, ch := range r.Checks {
		res := "ok"
		if !ch.OK {
			res = "FAILED"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", ch.Name, res, ch.Figure)
	}
	tw.Flush()
}

func reasonSuffix(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + strings.TrimSpace(reason) + ")"
}

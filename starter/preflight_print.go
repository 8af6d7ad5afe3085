package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/fleetpatch/fleetpatch/activities"
)

// printPreflight writes what the pre-flight check found: counts per check
// and the first instances with their findings.
func printPreflight(w io.Writer, pf *activities.PreflightSummary) {
	if pf == nil {
		return
	}
	if pf.Unsupported != "" {
		fmt.Fprintf(w, "\npre-flight check: not run (%s)\n", pf.Unsupported)
		return
	}
	fmt.Fprintf(w, "\npre-flight check: %d instances checked, %d blocked, %d with warnings\n", pf.Checked, pf.Blocked, pf.Warned)
	for _, c := range slices.Sorted(maps.Keys(pf.ByCheck)) {
		fmt.Fprintf(w, "  %-22s %d\n", c, pf.ByCheck[c])
	}
	for _, p := range pf.Examples {
		var parts []string
		for _, f := range p.Findings {
			kind := "warning"
			if f.Blocks {
				kind = "blocks"
			}
			parts = append(parts, fmt.Sprintf("%s (%s): %s", f.Check, kind, f.Detail))
		}
		fmt.Fprintf(w, "  %s: %s\n", p.InstanceID, strings.Join(parts, "; "))
	}
}

package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "review", Usage: "--group G --cycle ID [--output text|json]",
		Summary: "show the patches a cycle would install, with the digest to approve", Run: runReview})
}

func runReview(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf cycleFlags
	cf.register(fs)
	output := fs.String("output", "text", "text or json")
	if !cf.parse(fs, args, stderr) {
		return 2
	}
	c, err := cf.dial()
	if err != nil {
		fmt.Fprintln(stderr, "review:", err)
		return 1
	}
	defer c.Close()
	id := workflows.WorkflowID(cf.group, cf.cycle)
	st, err := queryStatus(context.Background(), c, id)
	if err != nil {
		fmt.Fprintln(stderr, "review:", describeError(id, err))
		return 1
	}
	if st.Review == nil {
		fmt.Fprintf(stderr, "review: %s has no review yet (phase %s)\n", id, st.Phase)
		return 1
	}
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return exitCode(enc.Encode(st.Review), stderr)
	}
	r := st.Review
	fmt.Fprintf(stdout, "%s  phase %s\nmanifest digest: %s\n%d patches for %d instances (%d compliant)\n\n",
		id, st.Phase, r.Digest, len(r.Patches), r.Instances, r.Compliant)
	tw := tabwriter.NewWriter(stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "PATCH\tOS\tFROM\tTO\tSEVERITY\tCVES\tINSTANCES")
	for _, p := range r.Patches {
		from := strings.Join(p.FromVersions, ",")
		if len(p.FromVersions) > 2 {
			from = fmt.Sprintf("%s,… (%d)", p.FromVersions[0], len(p.FromVersions))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", p.ID, p.OS, from, firstOf(p.ToVersion, p.KB),
			firstOf(p.Severity, p.Classification), strings.Join(p.CVEs, ","), p.InstanceCount)
	}
	tw.Flush()
	if st.Phase == workflows.PhaseAwaitingApproval && len(st.Approvers) > 0 {
		fmt.Fprintf(stdout, "\napprove with:\n  go run ./starter approve --group %s --cycle %s --approver %s --digest %s\n",
			cf.group, cf.cycle, st.Approvers[0], r.Digest)
	}
	return 0
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return "-"
}

func exitCode(err error, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}

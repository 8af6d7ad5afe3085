package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "review", Usage: "--group G --cycle ID [--retry N] [--output text|json] [--statement --approver P [--reject] ...]",
		Summary: "show the patches a cycle would install, with the digest; --statement prints the statement to sign", Run: runReview})
}

func runReview(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf cycleFlags
	cf.register(fs)
	output := fs.String("output", "text", "text or json")
	statement := fs.Bool("statement", false, "print the canonical statement to sign (ssh-keygen -Y sign -n fleetpatch-approval) instead of the review")
	reject := fs.Bool("reject", false, "with --statement: a rejection (its reason is --comment)")
	var sf statementFlags
	sf.register(fs, true)
	if !cf.parse(fs, args, stderr) {
		return 2
	}
	c, err := cf.dial()
	if err != nil {
		fmt.Fprintln(stderr, "review:", err)
		return 1
	}
	defer c.Close()
	id := cf.workflowID()
	st, err := queryStatus(context.Background(), c, id)
	if err != nil {
		fmt.Fprintln(stderr, "review:", describeError(id, err))
		return 1
	}
	if *statement {
		return printStatement(st, sf, *reject, stdout, stderr)
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
	if len(r.Unapplied) > 0 {
		fmt.Fprintln(stdout, "\nbaseline filters the cloud's data could not answer (those patches are not in the manifest):")
		for _, u := range r.Unapplied {
			fmt.Fprintln(stdout, "  "+u)
		}
	}
	printPreflight(stdout, st.Preflight)
	if st.Phase == workflows.PhaseAwaitingApproval && st.Sign != nil {
		fmt.Fprintf(stdout, "\n%d of %d approvals; approve with:\n  go run ./starter approve --group %s --cycle %s --approver YOU --key ~/.ssh/id_ed25519\n"+
			"or sign elsewhere: review --statement --approver YOU > s.txt; ssh-keygen -Y sign -n %s -f KEY s.txt; approve --statement s.txt --signature s.txt.sig\n",
			len(st.Sign.Approved), st.Sign.Required, cf.group, cf.cycle, approval.Namespace)
	}
	return 0
}

// printStatement prints the canonical statement for the run's sign
// request, to sign with ssh-keygen.
func printStatement(st workflows.CycleStatus, sf statementFlags, reject bool, stdout, stderr io.Writer) int {
	if st.Sign == nil || st.Phase != workflows.PhaseAwaitingApproval {
		fmt.Fprintf(stderr, "review: not awaiting approval (phase %s)\n", st.Phase)
		return 1
	}
	decision := approval.Approve
	if reject {
		decision = approval.Reject
		sf.start, sf.patches = "", nil
	}
	s, err := sf.statement(st.Sign, decision, time.Now())
	if err != nil {
		fmt.Fprintln(stderr, "review:", err)
		return 1
	}
	_, err = stdout.Write(s.Canonical())
	return exitCode(err, stderr)
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

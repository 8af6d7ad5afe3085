package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

func init() {
	register(command{
		Name:    "baseline explain",
		Usage:   "(--baseline FILE | --policy PATH --name NAME) --patches FILE [--at RFC3339] [--output text|json]",
		Summary: "explain, patch by patch, what a baseline approves and why",
		Run:     runBaselineExplain,
	})
}

func runBaselineExplain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("baseline explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	baselineFile := fs.String("baseline", "", "a baseline file (AWS get-patch-baseline JSON, or YAML)")
	policyPath := fs.String("policy", "", "a policy file or folder (with --name)")
	name := fs.String("name", "", "the baseline's name in --policy")
	patchesFile := fs.String("patches", "", "a JSON array of patches on an instance")
	atFlag := fs.String("at", "", "evaluate at this time (RFC3339; default now)")
	output := fs.String("output", "text", "text or json")
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	fail := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "baseline explain: "+format+"\n", a...)
		return 1
	}
	switch {
	case len(pos) > 0:
		return fail("unexpected argument %q", pos[0])
	case (*baselineFile == "") == (*policyPath == ""):
		return fail("give either --baseline FILE or --policy PATH --name NAME")
	case *policyPath != "" && *name == "":
		return fail("--policy needs --name (the baseline's Name)")
	case *patchesFile == "":
		return fail("--patches FILE is required")
	case *output != "text" && *output != "json":
		return fail("--output must be text or json, not %q", *output)
	}
	at := time.Now()
	if *atFlag != "" {
		if at, err = time.Parse(time.RFC3339, *atFlag); err != nil {
			return fail("--at %q is not an RFC3339 time (e.g. 2026-11-20T10:00:00Z)", *atFlag)
		}
	}
	b, err := loadExplainBaseline(*baselineFile, *policyPath, *name)
	if err != nil {
		var list *policy.Errors
		if errors.As(err, &list) {
			for _, fe := range *list {
				fmt.Fprintln(stderr, fe.Error())
			}
			return 1
		}
		return fail("%v", err)
	}
	patches, err := readPatches(*patchesFile)
	if err != nil {
		return fail("%v", err)
	}
	decisions := policy.EvaluateAll(b, patches, at)
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(decisions); err != nil {
			return fail("%v", err)
		}
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PATCH\tDECISION\tRULE\tCOMPLIANCE\tREASON")
	for _, d := range decisions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.PatchID, d.Verdict, dash(d.Rule), dash(d.ComplianceLevel), d.Reason)
	}
	tw.Flush()
	return 0
}

func loadExplainBaseline(file, policyPath, name string) (*policy.Baseline, error) {
	if file != "" {
		return policy.LoadBaselineFile(file)
	}
	p, err := policy.Load(policyPath)
	if err != nil {
		return nil, err
	}
	b, ok := p.Baselines[name]
	if !ok {
		return nil, fmt.Errorf("%s: no baseline named %q", policyPath, name)
	}
	return b, nil
}

// readPatches reads a JSON array of fleet.PatchOnInstance; unknown fields
// and patches without an id or OS are errors naming the file.
func readPatches(path string) ([]fleet.PatchOnInstance, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields()
	var patches []fleet.PatchOnInstance
	if err := dec.Decode(&patches); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s: offset %d: %v", path, se.Offset, err)
		}
		return nil, fmt.Errorf("%s: not a JSON array of patches: %v", path, err)
	}
	for i, p := range patches {
		if p.ID == "" || !p.OS.Valid() {
			return nil, fmt.Errorf("%s: patch [%d] needs an id and an os (UBUNTU, AMAZON_LINUX_2, AMAZON_LINUX_2023, WINDOWS)", path, i)
		}
	}
	return patches, nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

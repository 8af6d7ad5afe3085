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
		Usage:   "(--baseline FILE | --policy PATH (--name NAME | --group GROUP)) --patches FILE [--at RFC3339] [--output text|json]",
		Summary: "explain, patch by patch, what a baseline (or a group: its baselines, then its minPatchAge) approves and why",
		Run:     runBaselineExplain,
	})
}

func runBaselineExplain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("baseline explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	baselineFile := fs.String("baseline", "", "a baseline file (AWS get-patch-baseline JSON, or YAML)")
	policyPath := fs.String("policy", "", "a policy file or folder (with --name)")
	name := fs.String("name", "", "the baseline's name in --policy")
	groupName := fs.String("group", "", "a group in --policy: each patch meets the group's baseline for its OS, then the group's minPatchAge")
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
	case *policyPath != "" && (*name == "") == (*groupName == ""):
		return fail("--policy needs --name (the baseline's Name) or --group (a group's name), not both")
	case *groupName != "" && *baselineFile != "":
		return fail("--group needs --policy, not --baseline")
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
	var explain func([]fleet.PatchOnInstance) []policy.Decision
	var heading string
	if *groupName != "" {
		p, g, err := loadExplainGroup(*policyPath, *groupName)
		if err != nil {
			return failLoad(stderr, fail, err)
		}
		explain = func(ps []fleet.PatchOnInstance) []policy.Decision { return evaluateGroup(p, g, ps, at) }
		heading = groupHeading(g)
	} else {
		b, err := loadExplainBaseline(*baselineFile, *policyPath, *name)
		if err != nil {
			return failLoad(stderr, fail, err)
		}
		explain = func(ps []fleet.PatchOnInstance) []policy.Decision { return policy.EvaluateAll(b, ps, at) }
	}
	patches, err := readPatches(*patchesFile)
	if err != nil {
		return fail("%v", err)
	}
	decisions := explain(patches)
	if *output == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(decisions); err != nil {
			return fail("%v", err)
		}
		return 0
	}
	if heading != "" {
		fmt.Fprintln(stdout, heading)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PATCH\tDECISION\tRULE\tCOMPLIANCE\tREASON")
	for _, d := range decisions {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.PatchID, d.Verdict, dash(d.Rule), dash(d.ComplianceLevel), d.Reason)
	}
	tw.Flush()
	return 0
}

// failLoad prints a policy's field errors one a line, or any other error.
func failLoad(stderr io.Writer, fail func(string, ...any) int, err error) int {
	var list *policy.Errors
	if errors.As(err, &list) {
		for _, fe := range *list {
			fmt.Fprintln(stderr, fe.Error())
		}
		return 1
	}
	return fail("%v", err)
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

// loadExplainGroup loads the policy and finds the group.
func loadExplainGroup(policyPath, name string) (*policy.Policy, *policy.Group, error) {
	p, err := policy.Load(policyPath)
	if err != nil {
		return nil, nil, err
	}
	g, err := p.Group(name)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", policyPath, err)
	}
	return p, g, nil
}

// evaluateGroup decides each patch as a cycle of group g does: the
// group's baseline for the patch's OS, then the group's minPatchAge.
func evaluateGroup(p *policy.Policy, g *policy.Group, patches []fleet.PatchOnInstance, at time.Time) []policy.Decision {
	out := make([]policy.Decision, len(patches))
	for i, pi := range patches {
		b := p.Baselines[g.Baselines[pi.OS]]
		if b == nil {
			out[i] = policy.Decision{PatchID: pi.ID, Verdict: policy.NotSelected,
				Reason: fmt.Sprintf("group %q names no baseline for %s", g.Name, pi.OS)}
			continue
		}
		out[i] = policy.ApplyMinPatchAge(policy.Evaluate(b, pi.Patch, pi.InstalledVersion, at), pi.Patch, g.MinPatchAge, at)
	}
	return out
}

// groupHeading says which group's rules the table applies.
func groupHeading(g *policy.Group) string {
	age := "no minPatchAge"
	if g.MinPatchAge > 0 {
		age = fmt.Sprintf("minPatchAge %s (approved patches younger than this wait for a later cycle)", g.MinPatchAge)
	}
	return fmt.Sprintf("group %s: its baseline for each patch's OS, then %s", g.Name, age)
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

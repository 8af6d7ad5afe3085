package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

func init() {
	register(command{
		Name:    "policy validate",
		Usage:   "PATH",
		Summary: "check a policy file or folder; print a summary or every error, and warnings",
		Run:     runPolicyValidate,
	})
}

// parseInterspersed parses flags that may come before or after positional
// arguments (the flag package stops at the first positional one) and
// returns the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runPolicyValidate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("policy validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: starter policy validate PATH\n\nPATH is a policy file or a folder of *.yaml, *.yml and *.json files.")
	}
	pos, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(pos) != 1 {
		fs.Usage()
		return 2
	}
	p, err := policy.Load(pos[0])
	if err != nil {
		var list *policy.Errors
		if errors.As(err, &list) {
			for _, fe := range *list {
				fmt.Fprintln(stderr, fe.Error())
			}
			fmt.Fprintf(stderr, "%s: %d error(s)\n", pos[0], len(*list))
		} else {
			fmt.Fprintf(stderr, "policy validate: %v\n", err)
		}
		return 1
	}
	for _, w := range p.Warnings() {
		fmt.Fprintln(stderr, "warning: "+w.Error())
	}
	printPolicySummary(stdout, pos[0], p)
	return 0
}

// printPolicySummary writes one screen: counts, then short tables of
// groups, baselines, windows and targets.
func printPolicySummary(w io.Writer, path string, p *policy.Policy) {
	fmt.Fprintf(w, "%s: valid (%d files): %d groups, %d baselines, %d windows, %d AWS accounts, %d Azure subscriptions\n\n",
		path, len(p.Files()), len(p.Groups), len(p.Baselines), len(p.Windows), len(p.Targets.AWS), len(p.Targets.Azure))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tMODE\tREBOOT\tSCAN\tINSTALL\tBASELINES")
	for _, name := range sorted(p.Groups) {
		g := p.Groups[name]
		var bs []string
		for _, os := range g.OSFamilies() {
			if b, ok := g.Baselines[os]; ok {
				bs = append(bs, osShort[os]+"="+b)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, g.Mode, dash(string(g.Reboot)), g.Windows.Scan, dash(g.Windows.Install), strings.Join(bs, " "))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BASELINE\tOS\tRULES\tAPPROVED\tREJECTED")
	for _, name := range sorted(p.Baselines) {
		b := p.Baselines[name]
		rules := 0
		if b.ApprovalRules != nil {
			rules = len(b.ApprovalRules.PatchRules)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\n", name, b.OperatingSystem, rules, len(b.ApprovedPatches), len(b.RejectedPatches))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WINDOW\tSCHEDULE\tTIME ZONE\tDURATION\tCUTOFF")
	for _, name := range sorted(p.Windows) {
		win := p.Windows[name]
		tz := win.TimeZone
		if tz == "" {
			tz = "UTC"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, win.ScheduleString(), tz, win.Duration, win.Cutoff)
	}
	tw.Flush()
	fmt.Fprintln(w)
	if len(p.Freezes) > 0 {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "FREEZE	PERIODS	NEXT")
		now := time.Now()
		for _, name := range sorted(p.Freezes) {
			next := "-"
			ps := p.Freezes[name].Periods()
			for _, per := range ps {
				if per.End.After(now) {
					next = per.Start.UTC().Format(time.RFC3339) + " to " + per.End.UTC().Format(time.RFC3339)
					break
				}
			}
			fmt.Fprintf(tw, "%s\t%d\t%s\n", name, len(ps), next)
		}
		tw.Flush()
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "TARGETS")
	for _, a := range p.Targets.AWS {
		fmt.Fprintf(w, "aws   %s  %s\n", a.ID, strings.Join(a.Regions, ","))
	}
	for _, s := range p.Targets.Azure {
		fmt.Fprintf(w, "azure %s\n", s.ID)
	}
}

// osShort abbreviates OS families in the group table.
var osShort = map[fleet.OSFamily]string{
	fleet.OSUbuntu: "ubuntu", fleet.OSAmazonLinux2: "al2", fleet.OSAmazonLinux2023: "al2023", fleet.OSWindows: "windows",
}

func sorted[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

func init() {
	register(command{Name: "report", Usage: "--cycle 2026-W48 [--group G] [--retry N] [--format html|csv|json|md] [--out FILE] [--data DIR] [--policy PATH]",
		Summary: "a group's report, or the fleet roll-up of a cycle, in any format", Run: runReport})
}

// reportOptions are the report command's flags.
type reportOptions struct {
	cycle, group, format, out, data, reports, policy string
	retry                                            int
	policySet                                        bool
}

func runReport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o reportOptions
	fs.StringVar(&o.cycle, "cycle", "", "cycle, an ISO week such as 2026-W48 (required)")
	fs.StringVar(&o.group, "group", "", "patch group: print its report; without it, the fleet roll-up of every group")
	fs.IntVar(&o.retry, "retry", 0, "with --group: the report of this RetryFailed run instead of the cycle's")
	fs.StringVar(&o.format, "format", "md", "html, csv, json or md")
	fs.StringVar(&o.out, "out", "", "output file (default: standard output)")
	fs.StringVar(&o.data, "data", "fleetpatch-data", "data directory; reports are read from DIR/reports")
	fs.StringVar(&o.reports, "reports", "", "report directory (default DATA/reports)")
	fs.StringVar(&o.policy, "policy", "deployments/examples/policy", "policy, to list groups that have no report yet (skipped when the default is absent)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fs.Visit(func(f *flag.Flag) { o.policySet = o.policySet || f.Name == "policy" })
	if o.cycle == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "report: --cycle is required and no arguments are taken")
		fs.Usage()
		return 2
	}
	if o.reports == "" {
		o.reports = filepath.Join(o.data, "reports")
	}
	if err := writeReport(o, stdout); err != nil {
		fmt.Fprintln(stderr, "report:", err)
		return 1
	}
	return 0
}

func writeReport(o reportOptions, stdout io.Writer) error {
	var render func(io.Writer) error
	if o.group != "" {
		f, err := report.FormatNamed(report.Renderers, o.format)
		if err != nil {
			return err
		}
		rep, err := report.LoadReport(o.reports, o.group, o.cycle, o.retry)
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no report for group %s, cycle %s in %s", o.group, o.cycle, o.reports)
		}
		if err != nil {
			return err
		}
		render = func(w io.Writer) error { return f.Render(w, rep) }
	} else {
		f, err := report.FormatNamed(report.FleetRenderers, o.format)
		if err != nil {
			return err
		}
		modes, err := policyModes(o)
		if err != nil {
			return err
		}
		fl, err := report.LoadFleet(o.reports, o.cycle, modes, time.Now().UTC())
		if err != nil {
			return err
		}
		if len(fl.Groups) == 0 {
			return fmt.Errorf("no report of cycle %s in %s", o.cycle, o.reports)
		}
		render = func(w io.Writer) error { return f.Render(w, fl) }
	}
	if o.out == "" {
		bw := bufio.NewWriter(stdout)
		return errors.Join(render(bw), bw.Flush())
	}
	dir, file := filepath.Split(o.out)
	return report.DirSink{Root: filepath.Clean(dir + ".")}.Put(context.Background(), file, "", render)
}

// policyModes maps the policy's groups to their mode, or nil when the
// default policy path is absent.
func policyModes(o reportOptions) (map[string]string, error) {
	if _, err := os.Stat(o.policy); err != nil && !o.policySet {
		return nil, nil
	}
	pol, err := policy.Load(o.policy)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", o.policy, err)
	}
	modes := map[string]string{}
	for name, g := range pol.Groups {
		modes[name] = string(g.Mode)
	}
	return modes, nil
}

package activities

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// FleetReportDir is the folder of the report directory that holds the
// fleet roll-ups: <ReportDir>/_fleet/<cycle>/fleet.{json,csv,md,html}.
const FleetReportDir = "_fleet"

// FleetReportInput names the cycle to roll up.
type FleetReportInput struct {
	Cycle string `json:"cycle"`
}

// FleetReportRef says where a roll-up is and what it counts.
type FleetReportRef struct {
	Dir       string   `json:"dir"`
	Files     []string `json:"files"`
	Groups    int      `json:"groups"`
	Servers   int      `json:"servers"`
	Compliant int      `json:"compliant"`
	// MissingSecurity is how many servers still miss security patches.
	MissingSecurity int `json:"missingSecurity"`
	// Published lists the objects written to the report destinations.
	Published []string `json:"published,omitempty"`
}

// WriteFleetReport rolls up every group's report of the cycle (from the
// report directory, retries merged) into the fleet report, and writes it
// in every format to <ReportDir>/_fleet/<cycle>/ and to each distinct
// report destination of the policy's groups (key
// <prefix>/cycle=<cycle>/fleet/fleet.<ext>), overwriting.
func (a *Activities) WriteFleetReport(ctx context.Context, in FleetReportInput) (FleetReportRef, error) {
	if in.Cycle == "" {
		return FleetReportRef{}, badInput("fleet report: no cycle")
	}
	pol, err := a.LoadPolicy()
	if err != nil {
		return FleetReportRef{}, fmt.Errorf("load policy: %w", err)
	}
	modes := map[string]string{}
	for name, g := range pol.Groups {
		modes[name] = string(g.Mode)
	}
	f, err := report.LoadFleet(a.ReportDir, in.Cycle, modes, time.Now().UTC())
	if err != nil {
		return FleetReportRef{}, err
	}
	dir := filepath.Join(a.ReportDir, FleetReportDir, in.Cycle)
	keys, err := report.Publish(ctx, report.DirSink{Root: dir}, func(file string) string { return file }, report.FleetRenderers, f)
	if err != nil {
		return FleetReportRef{}, err
	}
	ref := FleetReportRef{Dir: dir, Groups: len(f.Groups), Servers: f.Servers, Compliant: f.Compliant,
		MissingSecurity: len(f.MissingSecurity)}
	for _, k := range keys {
		ref.Files = append(ref.Files, filepath.Join(dir, k))
	}
	for _, d := range policyDestinations(pol) {
		s, err := a.reportSink(ctx, d)
		if err != nil {
			return FleetReportRef{}, err
		}
		keys, err := report.Publish(ctx, s, func(file string) string { return report.FleetKey("", in.Cycle, file) }, report.FleetRenderers, f)
		if err != nil {
			return FleetReportRef{}, fmt.Errorf("report destination %s: %w", s, err)
		}
		for _, k := range keys {
			ref.Published = append(ref.Published, s.String()+"/"+k)
		}
	}
	return ref, nil
}

// policyDestinations returns the distinct report destinations of every
// group, in a stable order.
func policyDestinations(pol *policy.Policy) []policy.ReportDestination {
	seen := map[policy.ReportDestination]bool{}
	var out []policy.ReportDestination
	for _, g := range pol.Groups {
		for _, d := range g.Reports {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

package activities

import (
	"context"
	"slices"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// cycleInstances reports every discovered instance of a weekly cycle,
// exactly once each. A cycle that stopped (cancelled, failed) before its
// manifest was made reports its instances as not attempted, with the
// missing patches its scans found.
func (a *Activities) cycleInstances(ctx context.Context, in ReportInput, m Manifest, evaluated bool,
	planned map[string]plannedInstance, results map[string]report.Instance) ([]*report.Instance, error) {
	catalog := map[string]fleet.Patch{}
	for _, p := range m.Patches {
		catalog[p.ID] = p
	}
	decisions := map[fleet.OSFamily]map[string]policy.Decision{}
	for _, d := range m.Decisions {
		if decisions[d.OS] == nil {
			decisions[d.OS] = map[string]policy.Decision{}
		}
		decisions[d.OS][d.PatchID] = d.Decision
	}
	candidates := map[string][]string{}
	for _, i := range m.Instances {
		candidates[i.InstanceID] = i.PatchIDs
	}
	n, err := a.batches(ctx, in.Run)
	if err != nil {
		return nil, err
	}
	var out []*report.Instance
	for b := 0; b < n; b++ {
		insts, err := a.targets(ctx, in.Run, b)
		if err != nil {
			return nil, err
		}
		var scan fleet.ScanResult
		if _, err := getJSON(ctx, a.Store, in.Run.scanKey(b), &scan); err != nil {
			return nil, err
		}
		for _, p := range scan.Catalog {
			if _, ok := catalog[p.ID]; !ok {
				catalog[p.ID] = p
			}
		}
		scans := map[string]fleet.InstanceScan{}
		for _, s := range scan.Instances {
			scans[s.InstanceID] = s
		}
		for _, x := range insts {
			ri := newInstance(x)
			s, scanned := scans[x.ID]
			switch {
			case !x.Reachable():
				ri.Outcome, ri.Reason = report.Unreachable, firstNonEmpty(x.Unreachable, "agent "+string(x.Ping))
			case !evaluated && (!scanned || s.Error == ""):
				ri.Outcome, ri.Reason = report.NotAttempted, firstNonEmpty(in.NotAttempted, report.ReasonCancelled)
			case !scanned:
				ri.Outcome, ri.Reason = report.Failed, "no scan result"
			case s.Error != "":
				ri.Outcome, ri.Reason = report.Failed, "scan failed: "+s.Error
			case len(candidates[x.ID]) == 0:
				ri.Outcome = report.AlreadyCompliant
			case in.Mode == policy.ModeScanOnly:
				ri.Outcome, ri.Reason = report.SkippedByPolicy, "the group is scan-only"
			default:
				if r, ok := results[x.ID]; ok {
					r.Missing = nil
					*ri = r
				} else if p, ok := planned[x.ID]; ok {
					ri.Wave = p.Wave
					ri.Outcome, ri.Reason = report.NotAttempted, in.NotAttempted
				} else {
					ri.Outcome, ri.Reason = report.NotAttempted, firstNonEmpty(in.NotApproved, report.ReasonNotApproved)
				}
			}
			ri.Missing = stillMissing(ri, s, catalog, decisions[x.OS], in)
			out = append(out, ri)
		}
	}
	return out, nil
}

// stillMissing lists the patches the scan found missing that the run did
// not install, and why.
func stillMissing(ri *report.Instance, s fleet.InstanceScan, catalog map[string]fleet.Patch,
	decided map[string]policy.Decision, in ReportInput) []report.Missing {
	installed := map[string]bool{}
	for _, p := range ri.Packages {
		if p.State == fleet.StateInstalled || p.State == fleet.StateInstalledPendingReboot {
			installed[p.PatchID] = true
		}
	}
	var out []report.Missing
	for _, ps := range s.Patches {
		if (ps.State != fleet.StateMissing && ps.State != fleet.StateFailed) || installed[ps.PatchID] {
			continue
		}
		p := catalog[ps.PatchID]
		mi := report.Missing{PatchID: p.ID, Name: p.Name, Severity: firstNonEmpty(p.Severity, p.MSRCSeverity, p.Priority), CVEs: p.CVEs,
			Security: p.IsSecurity()}
		d := decided[ps.PatchID]
		switch {
		case d.Verdict == "":
			// Never evaluated: the cycle stopped before its manifest.
			mi.Why = firstNonEmpty(ri.Reason, "not-evaluated")
		case d.Verdict != policy.Approved:
			mi.Why = string(d.Verdict)
		case ri.Outcome == report.SkippedByPolicy:
			mi.Why = "scan-only"
		case ri.Outcome == report.NotAttempted:
			mi.Why = firstNonEmpty(ri.Reason, "not-attempted")
		case !in.All && !slices.Contains(in.Approved, p.ID):
			mi.Why = report.ReasonNotApproved
		default:
			mi.Why = "failed"
		}
		out = append(out, mi)
	}
	return out
}

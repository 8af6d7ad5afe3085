package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Evaluate decides whether baseline b approves patch p at time at, the way
// AWS Patch Manager does, and explains the decision in one line. It is
// pure and deterministic. installedVersion is the version on the instance
// (empty when the package is not installed); it only changes the wording
// of rejections, which AWS reports differently for installed packages.
//
// Order, as documented for patch baselines
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-predefined-and-custom-patch-baselines.html,
// https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-installing-patches.html,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PatchRule.html):
//
//  1. RejectedPatches: a listed patch is Rejected, whatever else approves
//     it ("removed from the list of approved patches").
//     RejectedPatchesAction BLOCK never installs it (nor packages that
//     depend on it); ALLOW_AS_DEPENDENCY (the default) lets AWS install it
//     only as a dependency, which fleetpatch does not model. On Windows
//     GlobalFilters come first: its tab of that page documents no order.
//  2. ApprovedPatches: a listed patch is Approved with
//     ApprovedPatchesComplianceLevel, except a Linux non-security patch
//     (see countsAsSecurity) when ApprovedPatchesEnableNonSecurity is
//     false. On Linux this holds "even if they are discarded by
//     GlobalFilters" (patch-manager-installing-patches.html, every Linux
//     tab); on Windows GlobalFilters apply first.
//  3. GlobalFilters: a patch that does not match every global filter is
//     FilteredOut.
//  4. ApprovalRules.PatchRules: the first rule (in order) that approves the
//     patch decides. A rule selects a patch when all its filters match;
//     on Linux it selects only security patches (countsAsSecurity: on
//     Amazon Linux every package in an update notice, Bugfix and
//     Enhancement notices included) unless EnableNonSecurity.
//     ApproveAfterDays approves ReleaseDate + N days (UTC) or later;
//     ApproveUntilDate approves patches released on or before that date;
//     Ubuntu rules approve at once. A selected patch whose delay has not
//     elapsed is PendingApprovalDelay (the earliest ApprovableOn wins).
//  5. Otherwise the patch is NotSelected.
//
// A group's minPatchAge applies after this (ApplyMinPatchAge).
//
// Where the patch's cloud reports no value that a check needs, Evaluate
// takes the cloud's own verdict when there is one (AWS: an Ubuntu
// update's pocket, see evaluate_cloud.go) and otherwise says that the
// filter cannot be applied (Azure: MSRC severity, Ubuntu priority), in
// the reason and in Decision.Unapplied.
func Evaluate(b *Baseline, p fleet.Patch, installedVersion string, at time.Time) Decision {
	var notes cloudNotes
	return notes.finish(evaluate(b, p, installedVersion, at, &notes))
}

// evaluate is Evaluate, noting in unapplied the filters p's cloud does
// not let it apply.
func evaluate(b *Baseline, p fleet.Patch, installedVersion string, at time.Time, unapplied *cloudNotes) Decision {
	d := Decision{PatchID: p.ID}
	if b == nil {
		d.Verdict, d.Reason = NotSelected, fmt.Sprintf("no baseline for %s", p.OS)
		return d
	}
	os := fleet.OSFamily(b.OperatingSystem)
	if p.OS != "" && p.OS != os {
		d.Verdict = NotSelected
		d.Reason = fmt.Sprintf("patch is for %s; baseline %q is for %s", p.OS, b.Name, os)
		return d
	}
	var globalTrusted []string // global filter keys taken on the cloud's word
	filtered := func() bool {
		if b.GlobalFilters == nil {
			return false
		}
		ok, miss, trusted := groupMatchesCloud(*b.GlobalFilters, p)
		if !ok {
			d.Verdict, d.Rule = FilteredOut, "GlobalFilters"
			d.Reason = "excluded by GlobalFilters: " + describeMiss(*miss, p)
			unapplied.miss("GlobalFilters", *miss, p)
		}
		globalTrusted = trusted
		return !ok
	}
	linux := isLinux(os)
	if !linux && filtered() {
		return d
	}
	if entry := listMatch(b.RejectedPatches, p); entry != "" {
		d.Verdict, d.Rule = Rejected, "RejectedPatches"
		d.Reason = rejectReason(b, os, entry, installedVersion)
		return d
	}
	var notes []string
	if entry := listMatch(b.ApprovedPatches, p); entry != "" {
		if linux && !countsAsSecurity(p) && !b.ApprovedPatchesEnableNonSecurity {
			notes = append(notes, fmt.Sprintf("listed in ApprovedPatches as %q but %s and ApprovedPatchesEnableNonSecurity is false", entry, nonSecurityWhy(p)))
		} else {
			d.Verdict, d.Rule = Approved, "ApprovedPatches"
			d.ComplianceLevel = levelOrUnspecified(b.ApprovedPatchesComplianceLevel)
			d.Reason = fmt.Sprintf("approved by ApprovedPatches entry %q", entry)
			d.Reason += cloudNote(p, globalTrusted, linux && !b.ApprovedPatchesEnableNonSecurity && pocketTrusted(p))
			return d
		}
	}
	if linux && filtered() {
		return d
	}
	var pending *Decision
	firstMiss := ""
	var rules []PatchRule
	if b.ApprovalRules != nil {
		rules = b.ApprovalRules.PatchRules
	}
	for i, r := range rules {
		name := fmt.Sprintf("ApprovalRules.PatchRules[%d]", i)
		ok, miss, trusted := groupMatchesCloud(r.PatchFilterGroup, p)
		if !ok {
			if firstMiss == "" {
				firstMiss = fmt.Sprintf("no approval rule selects the patch (%s: %s)", name, describeMiss(*miss, p))
			}
			unapplied.miss(name, *miss, p)
			continue
		}
		selected := describeFilters(r.PatchFilterGroup, p)
		if linux && !r.EnableNonSecurity && !countsAsSecurity(p) {
			notes = append(notes, fmt.Sprintf("%s matches (%s) but %s and EnableNonSecurity is false", name, selected, nonSecurityWhy(p)))
			continue
		}
		rd := Decision{PatchID: p.ID, Rule: name, ComplianceLevel: levelOrUnspecified(r.ComplianceLevel)}
		trust := cloudNote(p, append(append([]string(nil), globalTrusted...), trusted...), linux && !r.EnableNonSecurity && pocketTrusted(p))
		released := p.ReleaseDate.UTC().Format(time.DateOnly)
		switch {
		case r.ApproveAfterDays != nil && *r.ApproveAfterDays > 0:
			n := *r.ApproveAfterDays
			if p.ReleaseDate.IsZero() {
				notes = append(notes, fmt.Sprintf("%s matches (%s) but the release date is unknown, so its %d-day delay cannot be applied", name, selected, n))
				continue
			}
			on := p.ReleaseDate.UTC().Add(time.Duration(n) * day)
			if at.Before(on) {
				rd.Verdict, rd.ApprovableOn = PendingApprovalDelay, on
				rd.Reason = fmt.Sprintf("selected by %s: %s; released %s, %d-day delay ends on %s", name, selected, released, n, on.Format(time.DateOnly)) + trust
				if pending == nil || on.Before(pending.ApprovableOn) {
					pending = &rd
				}
				continue
			}
			rd.Verdict, rd.ApprovableOn = Approved, on
			rd.Reason = fmt.Sprintf("approved by %s: %s; released %s, %d-day delay elapsed on %s", name, selected, released, n, on.Format(time.DateOnly))
		case r.ApproveUntilDate != "" && os != fleet.OSUbuntu:
			until, err := time.Parse(time.DateOnly, r.ApproveUntilDate)
			if err != nil || p.ReleaseDate.IsZero() {
				notes = append(notes, fmt.Sprintf("%s matches (%s) but ApproveUntilDate %q cannot be compared with release date %q", name, selected, r.ApproveUntilDate, released))
				continue
			}
			if p.ReleaseDate.UTC().Truncate(day).After(until) {
				notes = append(notes, fmt.Sprintf("%s matches (%s) but the patch was released %s, after ApproveUntilDate %s", name, selected, released, r.ApproveUntilDate))
				continue
			}
			rd.Verdict = Approved
			rd.Reason = fmt.Sprintf("approved by %s: %s; released %s, on or before ApproveUntilDate %s", name, selected, released, r.ApproveUntilDate)
		default:
			rd.Verdict = Approved
			why := "no approval delay"
			if os == fleet.OSUbuntu {
				why = "Ubuntu rules approve without delay"
			}
			rd.Reason = fmt.Sprintf("approved by %s: %s; %s", name, selected, why)
		}
		rd.Reason += trust
		return rd
	}
	if pending != nil {
		return *pending
	}
	d.Verdict = NotSelected
	switch {
	case len(rules) == 0 && len(notes) == 0:
		d.Reason = "the baseline has no approval rules and does not list the patch"
	case len(notes) == 0:
		d.Reason = firstMiss
	default:
		d.Reason = strings.Join(notes, "; ")
	}
	return d
}

// EvaluateAll evaluates every patch of an instance against b.
func EvaluateAll(b *Baseline, patches []fleet.PatchOnInstance, at time.Time) []Decision {
	out := make([]Decision, len(patches))
	for i, p := range patches {
		out[i] = Evaluate(b, p.Patch, p.InstalledVersion, at)
	}
	return out
}

// rejectReason explains a rejection and what RejectedPatchesAction means
// for it, following
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreatePatchBaseline.html
// (RejectedPatchesAction).
func rejectReason(b *Baseline, os fleet.OSFamily, entry, installed string) string {
	action := b.RejectedPatchesAction
	if action == "" {
		action = "ALLOW_AS_DEPENDENCY"
	}
	r := fmt.Sprintf("rejected by RejectedPatches entry %q with RejectedPatchesAction %s: ", entry, action)
	switch {
	case action == "BLOCK":
		r += "never installed, nor any package that depends on it"
		if installed != "" {
			r += fmt.Sprintf("; installed version %s is reported InstalledRejected (non-compliant)", installed)
		}
	case os.IsWindows():
		r += "Windows has no package dependencies, so the update is skipped"
		if installed != "" {
			r += "; already installed, it is reported InstalledOther"
		}
	default:
		r += "AWS installs it only as a dependency of another approved package; fleetpatch does not model dependencies and does not install it"
		if installed != "" {
			r += fmt.Sprintf("; installed version %s is reported InstalledOther (compliant)", installed)
		}
	}
	return r
}

// describeFilters prints the patch's value for each filter key of g, e.g.
// "CLASSIFICATION=Security, SEVERITY=Critical".
func describeFilters(g FilterGroup, p fleet.Patch) string {
	if len(g.PatchFilters) == 0 {
		return "no filters (every patch)"
	}
	parts := make([]string, len(g.PatchFilters))
	for i, f := range g.PatchFilters {
		v, _ := patchField(f.Key, p)
		if v == "" {
			v = strings.Join(f.Values, "|")
		}
		parts[i] = f.Key + "=" + v
	}
	return strings.Join(parts, ", ")
}

// describeMiss explains a filter that does not match, or that cannot be
// applied because the patch's cloud does not report its key.
func describeMiss(f PatchFilter, p fleet.Patch) string {
	if why := unreportedWhy(f.Key, p); why != "" {
		return fmt.Sprintf("%s (%s: %s)", why, f.Key, strings.Join(f.Values, ", "))
	}
	v, _ := patchField(f.Key, p)
	if v == "" {
		v = "(none)"
	}
	return fmt.Sprintf("%s is %s, not one of %s", f.Key, v, strings.Join(f.Values, ", "))
}

func levelOrUnspecified(l string) string {
	if l == "" {
		return "UNSPECIFIED"
	}
	return l
}

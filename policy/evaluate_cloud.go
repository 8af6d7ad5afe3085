package policy

import (
	"fmt"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// What Evaluate does with attributes a cloud does not report
// (docs/policy.md, "Attributes a cloud does not report"):
//
//   - AWS, Ubuntu: AWS's patch listings give no pocket (repository), so
//     fleetpatch cannot tell a -security update from an -updates one. AWS
//     itself can: "rules are evaluated on each node to take the configured
//     repos on the instance into consideration"
//     (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-linux-rules.html),
//     and a scan counts as Missing the patches "from the patch baseline
//     that are applicable for the managed node but aren't currently
//     installed" (MissingCount,
//     https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstancePatchState.html;
//     for Ubuntu, "Missing: Packages that are filtered through the
//     baseline ... and are upgradable",
//     https://docs.aws.amazon.com/systems-manager/latest/userguide/about-patch-compliance.html),
//     while unapproved ones are reported only once installed, as
//     INSTALLED_OTHER
//     (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-compliance-states.html).
//     The provider scans with the cycle's baseline as BaselineOverride, so a
//     Missing patch carries fleet.CloudReport.Approved, and Evaluate takes
//     AWS's word for what it cannot see: the pocket and any filter key the
//     patch has no value for. Everything it can see it still checks itself
//     (RejectedPatches, known filter values, approval delays, minPatchAge).
//     Reading the pocket from the instance (apt-cache policy through
//     another command) was not chosen: it would be a second command on
//     every node after a scan that already answered, and AWS's verdict is
//     the one AWS's own compliance reports will show.
//   - Azure: assessPatches evaluates no baseline, so there is no verdict to
//     trust. A filter on a key Azure does not report cannot be applied; it
//     selects nothing, and the decision says so ("Azure does not report
//     MSRC severity; the filter cannot be applied") and lists it in
//     Decision.Unapplied, which the review counts. Policy.Warnings warns at
//     validate time.

// cloudApproved reports whether the cloud's own evaluation of the cycle's
// baseline approved p.
func cloudApproved(p fleet.Patch) bool {
	return p.CloudReport != nil && p.CloudReport.Approved
}

// pocketTrusted reports whether p counts as a security update only on its
// cloud's word: an Ubuntu update of unknown pocket that the cloud's
// evaluation of the baseline approved.
func pocketTrusted(p fleet.Patch) bool {
	return UbuntuPocketUnknown(p) && cloudApproved(p)
}

// groupMatchesCloud is groupMatches where a cloud verdict fills the gaps:
// a filter on a key p has no value for matches when the cloud approved p
// (its key is returned in trusted). A miss on a key p has a value for is
// returned before a miss on a key its cloud does not report, so that the
// explanation names the filter that surely excludes the patch.
func groupMatchesCloud(g FilterGroup, p fleet.Patch) (ok bool, miss *PatchFilter, trusted []string) {
	var unreported *PatchFilter
	for i := range g.PatchFilters {
		f := &g.PatchFilters[i]
		if filterMatches(*f, p) {
			continue
		}
		v, known := patchField(f.Key, p)
		switch {
		case known && v == "" && cloudApproved(p):
			trusted = append(trusted, f.Key)
		case unreportedWhy(f.Key, p) != "":
			if unreported == nil {
				unreported = f
			}
		default:
			return false, f, nil
		}
	}
	if unreported != nil {
		return false, unreported, nil
	}
	return true, nil, trusted
}

// cloudNote explains, for a decision that selected p, which checks rest
// on the cloud's verdict: the filter keys in trusted, and the Ubuntu pocket
// when pocket is true. It is "" when none do.
func cloudNote(p fleet.Patch, trusted []string, pocket bool) string {
	if len(trusted) == 0 && !pocket {
		return ""
	}
	cloud := cloudNames[p.CloudReport.Cloud]
	var unseen []string
	if pocket {
		unseen = append(unseen, "the Ubuntu pocket (-security or not)")
	}
	if len(trusted) > 0 {
		unseen = append(unseen, "a value for "+strings.Join(trusted, ", "))
	}
	return fmt.Sprintf("; %s does not report %s, so fleetpatch takes %s's own verdict: its scan with this baseline as BaselineOverride reported the patch Missing, a state it gives only to patches the baseline approves",
		cloud, strings.Join(unseen, " or "), cloud)
}

// cloudNotes gathers, during one evaluation, the filters that could not
// be applied because the patch's cloud does not report their key.
type cloudNotes struct {
	cloud string
	whats []string    // distinct attributes, for Decision.Unapplied
	lines [][2]string // "<where> <key> not applied: <why>" and its why
}

// miss records that filter f of the filter group named where excluded p;
// only a filter on a key p's cloud does not report is noted.
func (n *cloudNotes) miss(where string, f PatchFilter, p fleet.Patch) {
	cloud, what := unreportedWhat(f.Key, p)
	if what == "" {
		return
	}
	n.cloud = cloud
	if !contains(n.whats, what) {
		n.whats = append(n.whats, what)
	}
	why := cannotApply(cloud, []string{what})
	n.lines = append(n.lines, [2]string{fmt.Sprintf("%s %s not applied: %s", where, f.Key, why), why})
}

// finish adds the notes to d: Unapplied, and in the reason every line it
// does not already tell.
func (n *cloudNotes) finish(d Decision) Decision {
	if len(n.whats) == 0 {
		return d
	}
	d.Unapplied = cannotApply(n.cloud, n.whats)
	for _, l := range n.lines {
		if !strings.Contains(d.Reason, l[1]) {
			d.Reason += "; " + l[0]
		}
	}
	return d
}

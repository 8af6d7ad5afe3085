package policy

import (
	"fmt"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// MaxMinPatchAge bounds a group's minPatchAge (0 to 90 days).
const MaxMinPatchAge = Duration(90 * day)

// ApplyMinPatchAge applies a group's minPatchAge to the baseline's
// decision d on patch p at time at. It only ever holds back: a patch the
// baseline approves but that was released less than minAge before at
// becomes PendingMinPatchAge (not installed this cycle), with ApprovableOn
// the instant it is old enough; every other decision is returned as is.
// The baseline itself stays AWS-compatible (Ubuntu rules still take no
// ApproveAfterDays), so the soak time works for every OS.
//
// A patch without a release date is not held, and the reason says so.
// This follows what AWS documents for its own approval delay: "If the
// system isn't able to find the build time of the package, Systems
// Manager treats the auto-approval delay as having a value of zero"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-predefined-and-custom-patch-baselines.html).
// Age is counted from the release date as the patch source reports it;
// for Amazon Linux that is the notice's updated date
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-release-dates.html).
func ApplyMinPatchAge(d Decision, p fleet.Patch, minAge Duration, at time.Time) Decision {
	if d.Verdict != Approved || minAge <= 0 {
		return d
	}
	if p.ReleaseDate.IsZero() {
		d.Reason += fmt.Sprintf("; release date unknown, so the group's minPatchAge %s does not hold it back (AWS treats an unknown date as an approval delay of zero)", minAge)
		return d
	}
	released := p.ReleaseDate.UTC()
	oldEnough := released.Add(minAge.D())
	if !at.Before(oldEnough) {
		d.Reason += fmt.Sprintf("; older than the group's minPatchAge %s since %s", minAge, stamp(oldEnough))
		return d
	}
	d.Verdict, d.Rule, d.ApprovableOn = PendingMinPatchAge, "minPatchAge", oldEnough
	d.Reason = fmt.Sprintf("released %s, younger than the group's minPatchAge %s: installable from %s; the baseline says: %s",
		released.Format(time.DateOnly), minAge, stamp(oldEnough), d.Reason)
	return d
}

// stamp prints an instant as a date, with the UTC time of day unless it
// is midnight.
func stamp(t time.Time) string {
	t = t.UTC()
	if t.Equal(t.Truncate(day)) {
		return t.Format(time.DateOnly)
	}
	return t.Format("2006-01-02 15:04 UTC")
}

// validateMinPatchAge checks a group's minPatchAge: 0 to 90 days.
func validateMinPatchAge(c *collector, path string, g *Group) {
	if g.MinPatchAge < 0 || g.MinPatchAge > MaxMinPatchAge {
		c.add(path+".minPatchAge", "%s is outside 0 to %s", g.MinPatchAge, MaxMinPatchAge)
	}
}

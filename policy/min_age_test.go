package policy

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestApplyMinPatchAge(t *testing.T) {
	ubuntu := &Baseline{Name: "u", OperatingSystem: "UBUNTU",
		ApprovalRules: &ApprovalRules{PatchRules: []PatchRule{rule(nil, "", false, f("PRIORITY", "*"))}}}
	al := &Baseline{Name: "al", OperatingSystem: "AMAZON_LINUX_2023",
		ApprovalRules: &ApprovalRules{PatchRules: []PatchRule{rule(days(7), "", false, f("CLASSIFICATION", "Security"))}}}
	ub := func(rel time.Time) fleet.Patch {
		return fleet.Patch{ID: "openssl:3.0.2-0ubuntu1.18", Name: "openssl", OS: fleet.OSUbuntu, Priority: "Important", Repository: "jammy-security", ReleaseDate: rel}
	}
	three := Duration(3 * day)
	cases := []struct {
		name, doc string
		b         *Baseline
		p         fleet.Patch
		minAge    Duration
		verdict   Verdict
		rule      string
		on        time.Time
		reason    []string // fragments
	}{
		{"Ubuntu update younger than minPatchAge is held", "fleetpatch: minPatchAge applies after the baseline, on every OS; Ubuntu rules themselves take no delay (API_PatchRule.html)",
			ubuntu, ub(time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)), three, PendingMinPatchAge, "minPatchAge", time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC),
			[]string{"released 2026-11-19, younger than the group's minPatchAge 3d: installable from 2026-11-22", "the baseline says: approved by ApprovalRules.PatchRules[0]", "Ubuntu rules approve without delay"}},
		{"Ubuntu update old enough is approved", "fleetpatch: minPatchAge",
			ubuntu, ub(time.Date(2026, 11, 17, 10, 0, 0, 0, time.UTC)), three, Approved, "ApprovalRules.PatchRules[0]", time.Time{},
			[]string{"Ubuntu rules approve without delay; older than the group's minPatchAge 3d since 2026-11-20 10:00 UTC"}},
		{"exactly minPatchAge old is approved", "fleetpatch: minPatchAge (ApproveAfterDays approves at release + N days, API_PatchRule.html)",
			ubuntu, ub(at.Add(-3 * day)), three, Approved, "ApprovalRules.PatchRules[0]", time.Time{}, []string{"older than the group's minPatchAge 3d"}},
		{"no release date: not held, as AWS treats an unknown date as a zero delay", docPredefined + " (no build time: auto-approval delay of zero)",
			ubuntu, ub(time.Time{}), three, Approved, "ApprovalRules.PatchRules[0]", time.Time{},
			[]string{"release date unknown, so the group's minPatchAge 3d does not hold it back"}},
		{"zero minPatchAge changes nothing", "fleetpatch: minPatchAge is off by default",
			ubuntu, ub(at), 0, Approved, "ApprovalRules.PatchRules[0]", time.Time{}, []string{"Ubuntu rules approve without delay"}},
		{"minPatchAge longer than ApproveAfterDays holds an approved patch", "fleetpatch: minPatchAge after the baseline's 7-day delay",
			al, alPatchAt("openssl", "Security", time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)), Duration(14 * day), PendingMinPatchAge, "minPatchAge", time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC),
			[]string{"younger than the group's minPatchAge 14d", "7-day delay elapsed on 2026-11-17"}},
		{"pending approval delay is left as the baseline says", "API_PatchRule.html: ApproveAfterDays",
			al, alPatchAt("curl", "Security", time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC)), three, PendingApprovalDelay, "ApprovalRules.PatchRules[0]", time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC),
			[]string{"7-day delay ends on 2026-11-25"}},
		{"not selected is left as the baseline says", "fleetpatch: minPatchAge only holds back",
			al, alPatchAt("tzdata", "Enhancement", at), three, NotSelected, "", time.Time{}, []string{"CLASSIFICATION is Enhancement"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Logf("documented: %s", c.doc)
			d := ApplyMinPatchAge(Evaluate(c.b, c.p, "", at), c.p, c.minAge, at)
			onOK := c.verdict == Approved || d.ApprovableOn.Equal(c.on)
			if d.Verdict != c.verdict || d.Rule != c.rule || !onOK || d.PatchID != c.p.ID {
				t.Errorf("got %+v\nwant verdict=%s rule=%q approvableOn=%v", d, c.verdict, c.rule, c.on)
			}
			for _, frag := range c.reason {
				if !strings.Contains(d.Reason, frag) {
					t.Errorf("reason %q lacks %q", d.Reason, frag)
				}
			}
		})
	}
}

func alPatchAt(name, class string, rel time.Time) fleet.Patch {
	return fleet.Patch{ID: name + ":1.0-1", Name: name, OS: fleet.OSAmazonLinux2023, Classification: class, Severity: "Important", ReleaseDate: rel}
}

func TestValidateMinPatchAge(t *testing.T) {
	with := func(v string) string {
		return strings.Replace(groupFile, "    reboot: NoReboot\n", "    reboot: NoReboot\n    minPatchAge: "+v+"\n", 1)
	}
	p, err := Parse("g.yaml", []byte(with("3d")))
	if err != nil {
		t.Fatalf("minPatchAge 3d refused: %v", err)
	}
	if got := p.Groups["g"].MinPatchAge; got != Duration(3*day) {
		t.Errorf("minPatchAge = %s, want 3d", got)
	}
	if _, err := Parse("g.yaml", []byte(with("90d"))); err != nil {
		t.Errorf("minPatchAge 90d refused: %v", err)
	}
	wantError(t, errorLines(t, "g.yaml", with("91d")), "g.yaml:17: groups.g.minPatchAge:", "91d is outside 0 to 90d")
	wantError(t, errorLines(t, "g.yaml", with("-1d")), "g.yaml:17: groups.g.minPatchAge:", "is not a duration")
}

// The snapshot carries minPatchAge (so the cycle applies the policy in
// force), and a group without one hashes as before.
func TestSnapshotCarriesMinPatchAge(t *testing.T) {
	p, err := Parse("g.yaml", []byte(groupFile))
	if err != nil {
		t.Fatal(err)
	}
	before, err := p.Snapshot("g")
	if err != nil {
		t.Fatal(err)
	}
	p.Groups["g"].MinPatchAge = Duration(3 * day)
	after, err := p.Snapshot("g")
	if err != nil {
		t.Fatal(err)
	}
	if after.Group.MinPatchAge != Duration(3*day) || after.Digest == before.Digest {
		t.Errorf("snapshot minPatchAge %s, digests %s / %s", after.Group.MinPatchAge, before.Digest, after.Digest)
	}
	if b, _ := json.Marshal(before); strings.Contains(string(b), "minPatchAge") {
		t.Error("a group without minPatchAge writes the field")
	}
}

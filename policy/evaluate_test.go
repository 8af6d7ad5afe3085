package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

func days(n int) *int { return &n }

func rule(aad *int, until string, nonSec bool, filters ...PatchFilter) PatchRule {
	return PatchRule{PatchFilterGroup: FilterGroup{PatchFilters: filters}, ApproveAfterDays: aad, ApproveUntilDate: until, EnableNonSecurity: nonSec, ComplianceLevel: "HIGH"}
}

func f(key string, values ...string) PatchFilter { return PatchFilter{Key: key, Values: values} }

var (
	at       = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	released = time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
)

func TestEvaluate(t *testing.T) {
	al := &Baseline{
		Name: "al", OperatingSystem: "AMAZON_LINUX_2023",
		GlobalFilters:                  &FilterGroup{PatchFilters: []PatchFilter{f("PRODUCT", "AmazonLinux2023")}},
		ApprovalRules:                  &ApprovalRules{PatchRules: []PatchRule{rule(days(7), "", false, f("CLASSIFICATION", "Security"), f("SEVERITY", "Critical", "Important")), rule(nil, "2026-06-30", true, f("CLASSIFICATION", "Bugfix"))}},
		ApprovedPatches:                []string{"openssh*"},
		ApprovedPatchesComplianceLevel: "CRITICAL",
		RejectedPatches:                []string{"kernel*"},
		RejectedPatchesAction:          "BLOCK",
	}
	alAllow := *al
	alAllow.RejectedPatchesAction = ""
	alNonSec := *al
	alNonSec.ApprovedPatchesEnableNonSecurity = true
	ubuntu := &Baseline{
		Name: "u", OperatingSystem: "UBUNTU",
		ApprovalRules:   &ApprovalRules{PatchRules: []PatchRule{rule(nil, "", false, f("PRIORITY", "Required", "Important"))}},
		RejectedPatches: []string{"linux-image-*"},
	}
	win := &Baseline{
		Name: "w", OperatingSystem: "WINDOWS",
		ApprovalRules:         &ApprovalRules{PatchRules: []PatchRule{rule(days(7), "", false, f("CLASSIFICATION", "SecurityUpdates", "CriticalUpdates"), f("MSRC_SEVERITY", "Critical"))}},
		RejectedPatches:       []string{"KB5000001"},
		RejectedPatchesAction: "ALLOW_AS_DEPENDENCY",
	}
	winFrozen := &Baseline{Name: "ws", OperatingSystem: "WINDOWS",
		ApprovalRules: &ApprovalRules{PatchRules: []PatchRule{rule(nil, "2000-01-01", false, f("CLASSIFICATION", "*"))}}}

	alPatch := func(name, class, sev string, rel time.Time) fleet.Patch {
		return fleet.Patch{ID: name + ":1.0-1", Name: name, Version: "1.0-1", Arch: "x86_64", OS: fleet.OSAmazonLinux2023,
			Classification: class, Severity: sev, Product: "AmazonLinux2023", ReleaseDate: rel}
	}
	ubPatch := func(name, prio, repo string) fleet.Patch {
		return fleet.Patch{ID: name + ":2.0", Name: name, Version: "2.0", OS: fleet.OSUbuntu, Priority: prio, Repository: repo, Product: "Ubuntu22.04", ReleaseDate: released}
	}
	winPatch := func(kb, class, sev string) fleet.Patch {
		return fleet.Patch{ID: kb, Name: kb + " update", KB: kb, OS: fleet.OSWindows, Classification: class, MSRCSeverity: sev, Product: "WindowsServer2022", ReleaseDate: released}
	}

	cases := []struct {
		name string
		// doc cites the documented behaviour checked.
		doc       string
		b         *Baseline
		p         fleet.Patch
		installed string
		verdict   Verdict
		rule      string
		level     string
		reason    string // fragment
	}{
		{"AL approved after delay", "API_PatchRule.html: ApproveAfterDays counts from the release date (UTC)",
			al, alPatch("openssl", "Security", "Critical", released), "", Approved, "ApprovalRules.PatchRules[0]", "HIGH",
			"approved by ApprovalRules.PatchRules[0]: CLASSIFICATION=Security, SEVERITY=Critical; released 2026-11-10, 7-day delay elapsed on 2026-11-17"},
		{"AL pending delay", "API_PatchRule.html: approved N days after release",
			al, alPatch("curl", "Security", "Important", time.Date(2026, 11, 18, 6, 0, 0, 0, time.UTC)), "", PendingApprovalDelay, "ApprovalRules.PatchRules[0]", "HIGH",
			"released 2026-11-18, 7-day delay ends on 2026-11-25"},
		{"AL filtered out by GlobalFilters", "patch-manager-predefined-and-custom-patch-baselines.html: global filters exclude first",
			al, func() fleet.Patch {
				p := alPatch("openssl", "Security", "Critical", released)
				p.Product = "AmazonLinux2"
				return p
			}(), "", FilteredOut, "GlobalFilters", "",
			"PRODUCT is AmazonLinux2, not one of AmazonLinux2023"},
		{"AL rejected BLOCK wins over approval", "CreatePatchBaseline RejectedPatchesAction BLOCK: never installed, nor packages that depend on it",
			al, alPatch("kernel", "Security", "Critical", released), "5.10-1", Rejected, "RejectedPatches", "",
			`entry "kernel*" with RejectedPatchesAction BLOCK: never installed, nor any package that depends on it; installed version 5.10-1 is reported InstalledRejected`},
		{"AL rejected ALLOW_AS_DEPENDENCY (default)", "CreatePatchBaseline RejectedPatchesAction ALLOW_AS_DEPENDENCY: installed only as a dependency",
			&alAllow, alPatch("kernel", "Security", "Critical", released), "", Rejected, "RejectedPatches", "",
			"only as a dependency of another approved package; fleetpatch does not model dependencies"},
		{"AL approved patch, security", "CreatePatchBaseline ApprovedPatches, ApprovedPatchesComplianceLevel",
			al, alPatch("openssh-server", "Security", "Low", at), "", Approved, "ApprovedPatches", "CRITICAL", `approved by ApprovedPatches entry "openssh*"`},
		{"AL approved patch, non-security needs ApprovedPatchesEnableNonSecurity", "CreatePatchBaseline ApprovedPatchesEnableNonSecurity (Linux, default false); non-security = in no update notice (patch-manager-selecting-patches.html)",
			al, alPatch("openssh-server", "", "", at), "", NotSelected, "", "", "ApprovedPatchesEnableNonSecurity is false"},
		{"AL approved patch, non-security enabled", "CreatePatchBaseline ApprovedPatchesEnableNonSecurity",
			&alNonSec, alPatch("openssh-server", "", "", at), "", Approved, "ApprovedPatches", "CRITICAL", "openssh*"},
		{"AL approved patch, Enhancement notice counts as security", "patch-manager-selecting-patches.html: all packages in an update notice are considered Security",
			al, alPatch("openssh-server", "Enhancement", "Low", at), "", Approved, "ApprovedPatches", "CRITICAL", "openssh*"},
		{"AL approved by CVE ID", "package-name-formats: approved lists take CVE IDs",
			&Baseline{Name: "c", OperatingSystem: "AMAZON_LINUX_2", ApprovedPatches: []string{"CVE-2026-2001"}},
			fleet.Patch{ID: "x:1", Name: "x", OS: fleet.OSAmazonLinux2, Classification: "Security", CVEs: []string{"CVE-2026-2001"}}, "", Approved, "ApprovedPatches", "UNSPECIFIED", "CVE-2026-2001"},
		{"AL ApproveUntilDate, released before", "API_PatchRule.html: patches released on or before ApproveUntilDate",
			al, alPatch("vim", "Bugfix", "Low", time.Date(2026, 6, 30, 23, 0, 0, 0, time.UTC)), "", Approved, "ApprovalRules.PatchRules[1]", "HIGH", "on or before ApproveUntilDate 2026-06-30"},
		{"AL ApproveUntilDate, released after", "API_PatchRule.html: ApproveUntilDate cutoff",
			al, alPatch("vim", "Bugfix", "Low", time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)), "", NotSelected, "", "", "released 2026-07-01, after ApproveUntilDate 2026-06-30"},
		{"AL not selected", "no rule matches",
			al, alPatch("tzdata", "Enhancement", "Low", released), "", NotSelected, "", "", "no approval rule selects the patch (ApprovalRules.PatchRules[0]: CLASSIFICATION is Enhancement"},
		{"Ubuntu security update approved at once", "PatchRule: Ubuntu takes no delay; security = -security pocket",
			ubuntu, ubPatch("openssl", "Important", "jammy-security"), "", Approved, "ApprovalRules.PatchRules[0]", "HIGH", "Ubuntu rules approve without delay"},
		{"Ubuntu non-security with EnableNonSecurity false", "PatchRule EnableNonSecurity (default false)",
			ubuntu, ubPatch("vim", "Important", "jammy-updates"), "", NotSelected, "", "", "not a security update and EnableNonSecurity is false"},
		{"Ubuntu rejected wildcard, default action", "RejectedPatchesAction default ALLOW_AS_DEPENDENCY",
			ubuntu, ubPatch("linux-image-6.8.0-49-generic", "Optional", "jammy-security"), "6.8.0-48", Rejected, "RejectedPatches", "", "reported InstalledOther (compliant)"},
		{"Windows approved", "API_PatchRule.html: ApproveAfterDays",
			win, winPatch("KB5031361", "SecurityUpdates", "Critical"), "", Approved, "ApprovalRules.PatchRules[0]", "HIGH", "CLASSIFICATION=SecurityUpdates, MSRC_SEVERITY=Critical"},
		{"Windows filter value case-insensitive", "fleetpatch: provider spelling is matched case-insensitively",
			win, winPatch("KB5031362", "securityupdates", "CRITICAL"), "", Approved, "ApprovalRules.PatchRules[0]", "HIGH", "approved"},
		{"Windows not selected by severity", "filters must all match",
			win, winPatch("KB5031363", "SecurityUpdates", "Moderate"), "", NotSelected, "", "", "MSRC_SEVERITY is Moderate, not one of Critical"},
		{"Windows rejected ALLOW_AS_DEPENDENCY skips", "CreatePatchBaseline: Windows has no dependencies; rejected packages are skipped",
			win, winPatch("kb5000001", "SecurityUpdates", "Critical"), "", Rejected, "RejectedPatches", "", "Windows has no package dependencies"},
		{"Windows frozen baseline approves nothing current", "ApproveUntilDate in the past (windows-sensitive)",
			winFrozen, winPatch("KB5031361", "SecurityUpdates", "Critical"), "", NotSelected, "", "", "after ApproveUntilDate 2000-01-01"},
		{"wrong OS", "baseline applies to its OperatingSystem only",
			ubuntu, winPatch("KB1", "SecurityUpdates", "Critical"), "", NotSelected, "", "", "patch is for WINDOWS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Logf("documented: %s", c.doc)
			d := Evaluate(c.b, c.p, c.installed, at)
			if d.Verdict != c.verdict || d.Rule != c.rule || d.ComplianceLevel != c.level || !strings.Contains(d.Reason, c.reason) || d.PatchID != c.p.ID {
				t.Errorf("got %+v\nwant verdict=%s rule=%q level=%q reason~%q", d, c.verdict, c.rule, c.level, c.reason)
			}
			if again := Evaluate(c.b, c.p, c.installed, at); again != d {
				t.Errorf("not deterministic: %+v vs %+v", again, d)
			}
		})
	}
}

func TestEvaluatePendingApprovableOn(t *testing.T) {
	b := &Baseline{Name: "w", OperatingSystem: "WINDOWS", ApprovalRules: &ApprovalRules{PatchRules: []PatchRule{
		rule(days(14), "", false, f("CLASSIFICATION", "*")),
		rule(days(7), "", false, f("MSRC_SEVERITY", "Critical")),
	}}}
	p := fleet.Patch{ID: "KB1", KB: "KB1", OS: fleet.OSWindows, Classification: "SecurityUpdates", MSRCSeverity: "Critical", ReleaseDate: time.Date(2026, 11, 19, 18, 0, 0, 0, time.UTC)}
	d := Evaluate(b, p, "", at)
	// The earliest approval among the selecting rules is reported.
	if want := time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC); d.Verdict != PendingApprovalDelay || !d.ApprovableOn.Equal(want) || d.Rule != "ApprovalRules.PatchRules[1]" {
		t.Errorf("got %+v, want pending until %v by rule [1]", d, want)
	}
	// At the exact approval instant the patch is approved.
	if d := Evaluate(b, p, "", time.Date(2026, 11, 26, 18, 0, 0, 0, time.UTC)); d.Verdict != Approved {
		t.Errorf("at ApprovableOn: %+v", d)
	}
}

func TestEvaluateAllKeepsOrder(t *testing.T) {
	b := &Baseline{Name: "u", OperatingSystem: "UBUNTU", ApprovedPatches: []string{"vim"}}
	ps := []fleet.PatchOnInstance{
		{Patch: fleet.Patch{ID: "vim:9", Name: "vim", OS: fleet.OSUbuntu, Repository: "jammy-security"}},
		{Patch: fleet.Patch{ID: "nano:7", Name: "nano", OS: fleet.OSUbuntu}},
	}
	ds := EvaluateAll(b, ps, at)
	if len(ds) != 2 || ds[0].PatchID != "vim:9" || ds[0].Verdict != Approved || ds[1].Verdict != NotSelected {
		t.Errorf("got %+v", ds)
	}
}

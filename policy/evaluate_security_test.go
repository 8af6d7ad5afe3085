package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// AWS documentation pages the cases below check.
const (
	userGuide     = "https://docs.aws.amazon.com/systems-manager/latest/userguide/"
	docSelecting  = userGuide + "patch-manager-selecting-patches.html"
	docInstalling = userGuide + "patch-manager-installing-patches.html"
	docLinuxRules = userGuide + "patch-manager-linux-rules.html"
	docPredefined = userGuide + "patch-manager-predefined-and-custom-patch-baselines.html"
)

// awsPredefined builds AWS's predefined baselines as the predefined
// baselines table describes them (docPredefined): PRODUCT *, compliance
// UNSPECIFIED, non-security updates not included.
func awsPredefined() map[string]*Baseline {
	any := f("PRODUCT", "*")
	r := func(aad *int, filters ...PatchFilter) PatchRule {
		return PatchRule{PatchFilterGroup: FilterGroup{PatchFilters: append([]PatchFilter{any}, filters...)}, ApproveAfterDays: aad}
	}
	al := func(name, os string) *Baseline {
		// "Approves all operating system patches that are classified as
		// "Security" and that have a severity level of "Critical" or
		// "Important". ... Also approves all patches with a classification
		// of "Bugfix". Patches are auto-approved 7 days after release."
		return &Baseline{Name: name, OperatingSystem: os, ApprovalRules: &ApprovalRules{PatchRules: []PatchRule{
			r(days(7), f("CLASSIFICATION", "Security"), f("SEVERITY", "Critical", "Important")),
			r(days(7), f("CLASSIFICATION", "Bugfix")),
		}}}
	}
	return map[string]*Baseline{
		"AWS-AmazonLinux2DefaultPatchBaseline":    al("AWS-AmazonLinux2DefaultPatchBaseline", "AMAZON_LINUX_2"),
		"AWS-AmazonLinux2023DefaultPatchBaseline": al("AWS-AmazonLinux2023DefaultPatchBaseline", "AMAZON_LINUX_2023"),
		// "Immediately approves all operating system security-related
		// patches that have a priority of "Required", "Important",
		// "Standard," "Optional," or "Extra." There is no wait before
		// approval because reliable release dates aren't available."
		"AWS-UbuntuDefaultPatchBaseline": {Name: "AWS-UbuntuDefaultPatchBaseline", OperatingSystem: "UBUNTU",
			ApprovalRules: &ApprovalRules{PatchRules: []PatchRule{r(nil, f("PRIORITY", "Required", "Important", "Standard", "Optional", "Extra"))}}},
		// "Approves all Windows Server operating system patches that are
		// classified as "CriticalUpdates" or "SecurityUpdates" and that
		// have an MSRC severity of "Critical" or "Important". Patches are
		// auto-approved 7 days after they are released or updated."
		"AWS-DefaultPatchBaseline": {Name: "AWS-DefaultPatchBaseline", OperatingSystem: "WINDOWS",
			ApprovalRules: &ApprovalRules{PatchRules: []PatchRule{r(days(7), f("CLASSIFICATION", "CriticalUpdates", "SecurityUpdates"), f("MSRC_SEVERITY", "Critical", "Important"))}}},
	}
}

// alNotice is an Amazon Linux package listed in update notice advisory of
// type class; advisory "" and class "" make a package in no notice.
func alNotice(os fleet.OSFamily, name, advisory, class, sev string, rel time.Time) fleet.Patch {
	product := "AmazonLinux2"
	if os == fleet.OSAmazonLinux2023 {
		product = "AmazonLinux2023"
	}
	return fleet.Patch{ID: name + ":1.0-2", Name: name, Version: "1.0-2", Arch: "x86_64", OS: os, Product: product,
		Advisory: advisory, Classification: class, Severity: sev, ReleaseDate: rel}
}

func TestEvaluateSecurityPerOSAsAWSDocuments(t *testing.T) {
	pre := awsPredefined()
	old := at.Add(-10 * day) // past the predefined 7-day delay
	young := at.Add(-3 * day)
	al2, al2023 := fleet.OSAmazonLinux2, fleet.OSAmazonLinux2023
	// A custom baseline: every classification, security only (the default).
	alAll := func(os string) *Baseline {
		return &Baseline{Name: "all", OperatingSystem: os, ApprovalRules: &ApprovalRules{PatchRules: []PatchRule{rule(days(0), "", false, f("CLASSIFICATION", "*"))}}}
	}
	alAllNonSec := func(os string) *Baseline {
		b := alAll(os)
		b.ApprovalRules.PatchRules[0].EnableNonSecurity = true
		return b
	}
	ub := func(name, repo string) fleet.Patch {
		return fleet.Patch{ID: name + ":2.0", Name: name, Version: "2.0", OS: fleet.OSUbuntu, Priority: "Optional", Section: "libs", Repository: repo, Product: "Ubuntu22.04"}
	}
	win := func(kb, class, sev string) fleet.Patch {
		return fleet.Patch{ID: kb, KB: kb, Name: kb, OS: fleet.OSWindows, Classification: class, MSRCSeverity: sev, Product: "WindowsServer2022", ReleaseDate: old}
	}
	cases := []struct {
		name, doc string
		b         *Baseline
		p         fleet.Patch
		verdict   Verdict
		rule      string
		reason    string // fragment
	}{
		// Amazon Linux 2 and 2023: a notice makes a package security,
		// whatever the notice's type.
		{"AL2 predefined approves a Bugfix notice after 7 days", docPredefined + " (AWS-AmazonLinux2DefaultPatchBaseline); " + docSelecting,
			pre["AWS-AmazonLinux2DefaultPatchBaseline"], alNotice(al2, "systemd", "ALAS2-2026-2001", "Bugfix", "Low", old),
			Approved, "ApprovalRules.PatchRules[1]", "CLASSIFICATION=Bugfix"},
		{"AL2023 predefined approves a Bugfix notice after 7 days", docPredefined + " (AWS-AmazonLinux2023DefaultPatchBaseline); " + docSelecting,
			pre["AWS-AmazonLinux2023DefaultPatchBaseline"], alNotice(al2023, "systemd", "ALAS2023-2026-1001", "Bugfix", "Low", old),
			Approved, "ApprovalRules.PatchRules[1]", "7-day delay elapsed"},
		{"AL2023 predefined waits 7 days for a Bugfix notice", docPredefined,
			pre["AWS-AmazonLinux2023DefaultPatchBaseline"], alNotice(al2023, "systemd", "ALAS2023-2026-1001", "Bugfix", "Low", young),
			PendingApprovalDelay, "ApprovalRules.PatchRules[1]", "7-day delay ends on"},
		{"AL2 predefined approves Security Critical", docPredefined,
			pre["AWS-AmazonLinux2DefaultPatchBaseline"], alNotice(al2, "openssl", "ALAS2-2026-2002", "Security", "Critical", old),
			Approved, "ApprovalRules.PatchRules[0]", "SEVERITY=Critical"},
		{"AL2 predefined leaves Security Medium", docPredefined,
			pre["AWS-AmazonLinux2DefaultPatchBaseline"], alNotice(al2, "curl", "ALAS2-2026-2003", "Security", "Medium", old),
			NotSelected, "", "SEVERITY is Medium"},
		{"AL2 predefined leaves an Enhancement notice (no rule selects it)", docPredefined,
			pre["AWS-AmazonLinux2DefaultPatchBaseline"], alNotice(al2, "tzdata", "ALAS2-2026-2004", "Enhancement", "Low", old),
			NotSelected, "", "CLASSIFICATION is Enhancement"},
		{"AL2023 Enhancement notice is security: approved with EnableNonSecurity false", docSelecting + ": all packages in an update notice are considered Security",
			alAll("AMAZON_LINUX_2023"), alNotice(al2023, "dnf", "ALAS2023-2026-1002", "Enhancement", "Low", old),
			Approved, "ApprovalRules.PatchRules[0]", "CLASSIFICATION=Enhancement"},
		{"AL2 Bugfix notice is security: approved with EnableNonSecurity false", docInstalling + ": only patches in updateinfo.xml (update-minimal --bugfix)",
			alAll("AMAZON_LINUX_2"), alNotice(al2, "yum", "ALAS2-2026-2005", "Bugfix", "Low", old),
			Approved, "ApprovalRules.PatchRules[0]", "CLASSIFICATION=Bugfix"},
		{"AL2023 package in no notice refused with EnableNonSecurity false", docLinuxRules + " (no updateinfo.xml: installed only if non-security updates are permitted)",
			alAll("AMAZON_LINUX_2023"), alNotice(al2023, "amazon-ssm-agent", "", "", "", old),
			NotSelected, "", "in no update notice (updateinfo.xml), so it is not a security update and EnableNonSecurity is false"},
		{"AL2 package in no notice refused with EnableNonSecurity false", docLinuxRules,
			alAll("AMAZON_LINUX_2"), alNotice(al2, "amazon-ssm-agent", "", "", "", old),
			NotSelected, "", "in no update notice"},
		{"AL2023 package in no notice approved with EnableNonSecurity true", docSelecting + " (non-security updates: packages not classified in updateinfo.xml can be included)",
			alAllNonSec("AMAZON_LINUX_2023"), alNotice(al2023, "amazon-ssm-agent", "", "", "", old),
			Approved, "ApprovalRules.PatchRules[0]", "approved by"},
		{"AL2023 classification alone (DescribeInstancePatches gives no notice ID) means a notice", docSelecting + ": Patch Manager assigns the attributes of an update notice to the related packages",
			alAll("AMAZON_LINUX_2023"), alNotice(al2023, "dnf", "", "Enhancement", "Low", old),
			Approved, "ApprovalRules.PatchRules[0]", "approved by"},
		{"AL2023 ApprovedPatches: package in no notice needs ApprovedPatchesEnableNonSecurity", rulesPrefix + "API_CreatePatchBaseline.html (ApprovedPatchesEnableNonSecurity, default false)",
			&Baseline{Name: "l", OperatingSystem: "AMAZON_LINUX_2023", ApprovedPatches: []string{"amazon-ssm-agent"}}, alNotice(al2023, "amazon-ssm-agent", "", "", "", old),
			NotSelected, "", `listed in ApprovedPatches as "amazon-ssm-agent" but the package is in no update notice`},
		{"AL2023 ApprovedPatches: Bugfix notice is security", rulesPrefix + "API_CreatePatchBaseline.html; " + docSelecting,
			&Baseline{Name: "l", OperatingSystem: "AMAZON_LINUX_2023", ApprovedPatches: []string{"systemd"}}, alNotice(al2023, "systemd", "ALAS2023-2026-1003", "Bugfix", "Low", old),
			Approved, "ApprovedPatches", "systemd"},
		{"Linux ApprovedPatches approve even what GlobalFilters discard", docInstalling + ": approved even if they are discarded by GlobalFilters",
			&Baseline{Name: "l", OperatingSystem: "AMAZON_LINUX_2", GlobalFilters: &FilterGroup{PatchFilters: []PatchFilter{f("CLASSIFICATION", "Security")}}, ApprovedPatches: []string{"systemd"}},
			alNotice(al2, "systemd", "ALAS2-2026-2006", "Bugfix", "Low", old), Approved, "ApprovedPatches", "systemd"},
		{"Linux GlobalFilters still exclude what no list approves", docInstalling,
			&Baseline{Name: "l", OperatingSystem: "AMAZON_LINUX_2", GlobalFilters: &FilterGroup{PatchFilters: []PatchFilter{f("CLASSIFICATION", "Security")}}, ApprovedPatches: []string{"vim"}},
			alNotice(al2, "systemd", "ALAS2-2026-2006", "Bugfix", "Low", old), FilteredOut, "GlobalFilters", "CLASSIFICATION is Bugfix"},
		{"Linux RejectedPatches win over ApprovedPatches and GlobalFilters", docInstalling + ": rejected patches are removed from the list of approved patches",
			&Baseline{Name: "l", OperatingSystem: "AMAZON_LINUX_2", GlobalFilters: &FilterGroup{PatchFilters: []PatchFilter{f("CLASSIFICATION", "Security")}}, ApprovedPatches: []string{"systemd"}, RejectedPatches: []string{"systemd"}},
			alNotice(al2, "systemd", "ALAS2-2026-2006", "Bugfix", "Low", old), Rejected, "RejectedPatches", "systemd"},

		// Ubuntu: security means the -security pocket; rules take no delay.
		{"Ubuntu predefined approves a -security update at once", docPredefined + " (AWS-UbuntuDefaultPatchBaseline); " + docLinuxRules + " (Ubuntu: codename-security)",
			pre["AWS-UbuntuDefaultPatchBaseline"], ub("openssl", "jammy-security"), Approved, "ApprovalRules.PatchRules[0]", "Ubuntu rules approve without delay"},
		{"Ubuntu predefined leaves an -updates update", docLinuxRules + " (implicit rule: candidate version in a security repo)",
			pre["AWS-UbuntuDefaultPatchBaseline"], ub("tzdata", "jammy-updates"), NotSelected, "", "comes from jammy-updates, not a -security pocket"},

		// Windows: classification and MSRC severity decide; there is no
		// implicit security rule.
		{"Windows predefined approves Critical SecurityUpdates after 7 days", docPredefined + " (AWS-DefaultPatchBaseline)",
			pre["AWS-DefaultPatchBaseline"], win("KB5041160", "SecurityUpdates", "Critical"), Approved, "ApprovalRules.PatchRules[0]", "7-day delay elapsed"},
		{"Windows predefined approves Important CriticalUpdates", docPredefined + " (AWS-DefaultPatchBaseline)",
			pre["AWS-DefaultPatchBaseline"], win("KB5041161", "CriticalUpdates", "Important"), Approved, "ApprovalRules.PatchRules[0]", "CLASSIFICATION=CriticalUpdates"},
		{"Windows predefined leaves Moderate", docPredefined,
			pre["AWS-DefaultPatchBaseline"], win("KB5041162", "SecurityUpdates", "Moderate"), NotSelected, "", "MSRC_SEVERITY is Moderate"},
		{"Windows predefined leaves Updates", docPredefined,
			pre["AWS-DefaultPatchBaseline"], win("KB5041163", "Updates", "Unspecified"), NotSelected, "", "CLASSIFICATION is Updates"},
		{"Windows Updates approved by a rule on every classification (no implicit security rule)", rulesPrefix + "API_PatchRule.html (EnableNonSecurity: Linux only)",
			&Baseline{Name: "w", OperatingSystem: "WINDOWS", ApprovalRules: &ApprovalRules{PatchRules: []PatchRule{rule(days(0), "", false, f("CLASSIFICATION", "*"))}}},
			win("KB5041163", "Updates", "Unspecified"), Approved, "ApprovalRules.PatchRules[0]", "approved by"},
		{"Windows GlobalFilters still come before ApprovedPatches", docInstalling + " (the Windows tab documents no order; unchanged)",
			&Baseline{Name: "w", OperatingSystem: "WINDOWS", GlobalFilters: &FilterGroup{PatchFilters: []PatchFilter{f("CLASSIFICATION", "SecurityUpdates")}}, ApprovedPatches: []string{"KB5041163"}},
			win("KB5041163", "Updates", "Unspecified"), FilteredOut, "GlobalFilters", "CLASSIFICATION is Updates"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Logf("documented: %s", c.doc)
			d := Evaluate(c.b, c.p, "", at)
			if d.Verdict != c.verdict || d.Rule != c.rule || !strings.Contains(d.Reason, c.reason) {
				t.Errorf("got %+v\nwant verdict=%s rule=%q reason~%q", d, c.verdict, c.rule, c.reason)
			}
		})
	}
}

// The predefined baselines are valid fleetpatch baselines, Ubuntu's with
// no ApproveAfterDays (AWS refuses one for Ubuntu: API_PatchRule.html).
func TestAWSPredefinedBaselinesValidate(t *testing.T) {
	for name, b := range awsPredefined() {
		c := newCollector()
		validateBaseline(c, "baselines."+name, b)
		if len(c.errs) > 0 {
			t.Errorf("%s: %v", name, c.errs)
		}
	}
}

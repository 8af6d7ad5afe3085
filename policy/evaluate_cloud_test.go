package policy

import (
	"strings"
	"testing"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Pages the cloud cases check.
const (
	docComplianceStates = userGuide + "patch-manager-compliance-states.html"
	docInstancePatch    = "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstancePatchState.html"
	docComplianceData   = "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PatchComplianceData.html"
	docAzureAssess      = "https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/assess-patches"
)

func TestEvaluateWithWhatTheCloudReports(t *testing.T) {
	pre := awsPredefined()
	ubuntuSec := pre["AWS-UbuntuDefaultPatchBaseline"] // security only: no EnableNonSecurity
	ubuntuPrio := &Baseline{Name: "u", OperatingSystem: "UBUNTU",
		ApprovalRules:   &ApprovalRules{PatchRules: []PatchRule{rule(nil, "", false, f("PRIORITY", "Required", "Important"))}},
		RejectedPatches: []string{"linux-image-*"}}
	win := pre["AWS-DefaultPatchBaseline"]
	winClass := &Baseline{Name: "wc", OperatingSystem: "WINDOWS",
		ApprovalRules: &ApprovalRules{PatchRules: []PatchRule{rule(days(7), "", false, f("CLASSIFICATION", "SecurityUpdates"))}}}
	winGlobal := &Baseline{Name: "wg", OperatingSystem: "WINDOWS",
		GlobalFilters: &FilterGroup{PatchFilters: []PatchFilter{f("MSRC_SEVERITY", "Critical", "Important")}},
		ApprovalRules: &ApprovalRules{PatchRules: []PatchRule{rule(days(7), "", false, f("CLASSIFICATION", "SecurityUpdates"))}}}

	// AWS: PatchComplianceData has no repository (docComplianceData), so
	// an Ubuntu patch read from AWS has no pocket.
	awsUb := func(name, prio string, approved bool) fleet.Patch {
		return fleet.Patch{ID: name + ":2.0", Name: name, Version: "2.0", OS: fleet.OSUbuntu, Priority: prio, Section: "libs",
			Product: "Ubuntu22.04", ReleaseDate: released, CloudReport: &fleet.CloudReport{Cloud: fleet.CloudAWS, Approved: approved}}
	}
	// Azure: no MSRC severity, no Ubuntu priority (docAzureAssess); the
	// pocket comes from the classifications.
	azWin := func(kb, class string) fleet.Patch {
		return fleet.Patch{ID: kb, Name: kb, KB: kb, OS: fleet.OSWindows, Classification: class, Product: "WindowsServer2022",
			ReleaseDate: released, CloudReport: &fleet.CloudReport{Cloud: fleet.CloudAzure}}
	}
	azUb := func(name, repo string) fleet.Patch {
		return fleet.Patch{ID: name + ":2.0", Name: name, Version: "2.0", OS: fleet.OSUbuntu, Repository: repo, Product: "Ubuntu22.04",
			ReleaseDate: released, CloudReport: &fleet.CloudReport{Cloud: fleet.CloudAzure}}
	}
	cases := []struct {
		name, doc string
		b         *Baseline
		p         fleet.Patch
		verdict   Verdict
		reason    []string
		unapplied string
	}{
		{"AWS Missing under the cycle's security-only baseline is approved", docInstancePatch + " (MissingCount); " + docLinuxRules + " (evaluated on each node)",
			ubuntuSec, awsUb("openssl", "Important", true), Approved,
			[]string{"approved by ApprovalRules.PatchRules[0]", "AWS does not report the Ubuntu pocket (-security or not), so fleetpatch takes AWS's own verdict", "reported the patch Missing"}, ""},
		{"AWS without a verdict: pocket unknown, said so", docComplianceData + " (no repository field)",
			ubuntuSec, awsUb("openssl", "Important", false), NotSelected,
			[]string{"AWS reports no pocket for the update and no cloud verdict approves it"}, ""},
		{"AWS verdict does not override what fleetpatch sees: RejectedPatches", docPredefined,
			ubuntuPrio, awsUb("linux-image-generic", "Required", true), Rejected, []string{"rejected by RejectedPatches"}, ""},
		{"AWS verdict does not override a known filter value", docComplianceStates,
			ubuntuPrio, awsUb("vim", "Optional", true), NotSelected, []string{"PRIORITY is Optional"}, ""},
		{"AWS verdict fills an empty filter value", docComplianceData,
			ubuntuPrio, awsUb("zlib1g", "", true), Approved, []string{"a value for PRIORITY", "Ubuntu pocket"}, ""},
		{"Azure Windows: MSRC severity filter cannot be applied", docAzureAssess,
			win, azWin("KB5031361", "SecurityUpdates"), NotSelected,
			[]string{"Azure does not report MSRC severity; the filter cannot be applied (MSRC_SEVERITY: Critical, Important)"},
			"Azure does not report MSRC severity; the filter cannot be applied"},
		{"Azure Windows: a known classification still excludes first", docAzureAssess,
			win, azWin("KB5030000", "Updates"), NotSelected, []string{"CLASSIFICATION is Updates"}, ""},
		{"Azure Windows: classification-only rule applies", docAzureAssess,
			winClass, azWin("KB5031361", "SecurityUpdates"), Approved, []string{"approved by ApprovalRules.PatchRules[0]"}, ""},
		{"Azure Windows: GlobalFilters on MSRC severity", docAzureAssess,
			winGlobal, azWin("KB5031361", "SecurityUpdates"), FilteredOut,
			[]string{"excluded by GlobalFilters: Azure does not report MSRC severity; the filter cannot be applied"},
			"Azure does not report MSRC severity; the filter cannot be applied"},
		{"Azure Ubuntu: priority filter cannot be applied", docAzureAssess,
			ubuntuPrio, azUb("openssl", "jammy-security"), NotSelected,
			[]string{"Azure does not report Ubuntu priority; the filter cannot be applied"},
			"Azure does not report Ubuntu priority; the filter cannot be applied"},
		{"Azure Ubuntu: security pocket from classifications, any priority", docAzureAssess,
			ubuntuSec, azUb("openssl", "jammy-security"), NotSelected,
			[]string{"Azure does not report Ubuntu priority"}, "Azure does not report Ubuntu priority; the filter cannot be applied"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Logf("documented: %s", c.doc)
			d := Evaluate(c.b, c.p, "", at)
			if d.Verdict != c.verdict || d.Unapplied != c.unapplied {
				t.Errorf("got %s (unapplied %q), want %s (unapplied %q): %s", d.Verdict, d.Unapplied, c.verdict, c.unapplied, d.Reason)
			}
			for _, r := range c.reason {
				if !strings.Contains(d.Reason, r) {
					t.Errorf("reason %q lacks %q", d.Reason, r)
				}
			}
			if again := Evaluate(c.b, c.p, "", at); again != d {
				t.Errorf("not deterministic: %+v vs %+v", again, d)
			}
		})
	}
}

// The simulated provider reports every attribute, so a patch without a
// cloud report is decided on its attributes alone, as before.
func TestEvaluateWithoutCloudReportUnchanged(t *testing.T) {
	b := awsPredefined()["AWS-UbuntuDefaultPatchBaseline"]
	p := fleet.Patch{ID: "tzdata:2.0", Name: "tzdata", Version: "2.0", OS: fleet.OSUbuntu, Priority: "Important", Repository: "jammy-updates", Product: "Ubuntu22.04"}
	d := Evaluate(b, p, "", at)
	if d.Verdict != NotSelected || d.Unapplied != "" || !strings.Contains(d.Reason, "comes from jammy-updates, not a -security pocket") {
		t.Errorf("got %+v", d)
	}
	p.CloudReport = &fleet.CloudReport{Cloud: fleet.CloudAWS, Approved: true}
	if d2 := Evaluate(b, p, "", at); d2.Verdict != NotSelected {
		t.Errorf("a known -updates pocket must not be approved on the cloud's word: %+v", d2)
	}
}

package policy

import (
	"strings"
	"testing"
)

// azureGroupFile is groupFile with an Azure subscription in targets and
// baselines that filter on keys Azure's assessPatches result does not
// carry: Windows MSRC severity and Ubuntu priority. The result has only
// name, version, kbId, classifications, rebootBehavior and dates:
// https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/assess-patches
// https://learn.microsoft.com/en-us/javascript/api/@azure/arm-compute/virtualmachinesoftwarepatchproperties
var azureGroupFile = strings.NewReplacer(
	"  - {Name: u-1, OperatingSystem: UBUNTU, ApprovedPatches: [vim]}",
	"  - {Name: u-1, OperatingSystem: UBUNTU, ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: PRIORITY, Values: [Required, Important]}]}}]}}",
	"  - {Name: w-1, OperatingSystem: WINDOWS, ApprovedPatches: [KB5031361]}",
	"  - {Name: w-1, OperatingSystem: WINDOWS, ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: CLASSIFICATION, Values: [SecurityUpdates]}, {Key: MSRC_SEVERITY, Values: [Critical]}]}, ApproveAfterDays: 7}]}}",
	`  aws: [{id: "111111111111", regions: [eu-west-1]}]`,
	`  aws: [{id: "111111111111", regions: [eu-west-1]}]`+"\n"+`  azure: [{id: "00000000-0000-0000-0000-0000000000aa"}]`,
).Replace(groupFile)

// warnings parses doc, which must be valid, and returns its warnings as
// lines.
func warnings(t *testing.T, doc string) []string {
	t.Helper()
	p, err := Parse("g.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("policy invalid: %v", err)
	}
	var out []string
	for _, w := range p.Warnings() {
		out = append(out, w.Error())
	}
	return out
}

func TestWarningsForKeysAzureDoesNotReport(t *testing.T) {
	got := warnings(t, azureGroupFile)
	if len(got) != 2 {
		t.Fatalf("want 2 warnings (MSRC_SEVERITY, PRIORITY), got:\n%s", strings.Join(got, "\n"))
	}
	// Warnings name the file, line and field of the group's baseline
	// reference, and the baseline's filter.
	wantError(t, got, "g.yaml:15: groups.g.baselines.UBUNTU:", `baseline "u-1" filters on PRIORITY at baselines.u-1.ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters[0]`, "Azure does not report (Ubuntu priority)")
	wantError(t, got, "g.yaml:15: groups.g.baselines.WINDOWS:", "MSRC_SEVERITY at baselines.w-1.ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters[1]", "Azure does not report (MSRC severity)")
}

func TestNoWarningWhenTheGroupCannotReachAzure(t *testing.T) {
	cases := []struct{ name, old, new string }{
		{"clouds aws only", "tags: {PatchGroup: g}", "tags: {PatchGroup: g}\n      clouds: [aws]"},
		{"accounts AWS only", "tags: {PatchGroup: g}", "tags: {PatchGroup: g}\n      accounts: ['111111111111']"},
		{"no Azure target", "\n" + `  azure: [{id: "00000000-0000-0000-0000-0000000000aa"}]`, ""},
		{"wildcard values select everything", "Values: [Critical]", "Values: ['*']"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(azureGroupFile, c.old) {
				t.Fatalf("base file has no %q", c.old)
			}
			got := warnings(t, strings.Replace(azureGroupFile, c.old, c.new, 1))
			for _, w := range got {
				if c.name != "wildcard values select everything" || strings.Contains(w, "MSRC_SEVERITY") {
					t.Errorf("unexpected warning: %s", w)
				}
			}
		})
	}
	// Naming the Azure subscription keeps the warnings.
	got := warnings(t, strings.Replace(azureGroupFile, "tags: {PatchGroup: g}", "tags: {PatchGroup: g}\n      accounts: ['00000000-0000-0000-0000-0000000000AA']", 1))
	if len(got) != 2 {
		t.Errorf("want 2 warnings for a group on the Azure subscription, got %q", got)
	}
}

// Warnings are not errors: the example policy loads and has none.
func TestExamplePolicyHasNoWarnings(t *testing.T) {
	p, err := Load(examplePolicy)
	if err != nil {
		t.Fatal(err)
	}
	if w := p.Warnings(); len(w) != 0 {
		t.Errorf("example policy warns: %v", w)
	}
}

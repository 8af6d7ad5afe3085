package cloudsim

import (
	"testing"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

// The Amazon Linux catalogs exercise AWS's security rule: packages in
// Security, Bugfix and Enhancement notices, and a package in none.
// "All packages that are in an update notice are considered Security by
// Patch Manager"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-selecting-patches.html),
// so a security-only baseline that selects every classification approves
// the notices and refuses the package in none.
func TestCatalogAmazonLinuxNotices(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	cat := buildCatalog(now)
	for _, product := range []string{ProductAmazonLinux2, ProductAmazonLinux2023} {
		rel := cat.byProduct[product]
		b := &policy.Baseline{Name: "all-security", OperatingSystem: string(rel.OS), ApprovalRules: &policy.ApprovalRules{
			PatchRules: []policy.PatchRule{{PatchFilterGroup: policy.FilterGroup{PatchFilters: []policy.PatchFilter{{Key: "CLASSIFICATION", Values: []string{"*"}}}},
				ApproveAfterDays: new(int)}}}}
		seen := map[string]int{}
		for _, c := range rel.Components {
			p := c.Patch
			if p == nil {
				continue
			}
			kind := p.Classification
			if p.Advisory == "" {
				kind = "no notice"
			}
			seen[kind]++
			d := policy.Evaluate(b, *p, "", now)
			if want := p.Advisory != ""; (d.Verdict == policy.Approved) != want {
				t.Errorf("%s %s (%s, notice %q): %s: %s", product, p.ID, kind, p.Advisory, d.Verdict, d.Reason)
			}
		}
		for _, kind := range []string{"Security", "Bugfix", "Enhancement", "no notice"} {
			if seen[kind] == 0 {
				t.Errorf("%s: no update of kind %s in the catalog", product, kind)
			}
		}
	}
	ssm := cat.byProduct[ProductAmazonLinux2023].Components
	for _, c := range ssm {
		if c.Name == "amazon-ssm-agent" && (c.Patch == nil || c.Patch.OS != fleet.OSAmazonLinux2023 || c.Patch.Advisory != "") {
			t.Errorf("amazon-ssm-agent should be an AL2023 update in no notice: %+v", c.Patch)
		}
	}
}

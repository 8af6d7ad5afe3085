package policy

import (
	"fmt"
	"regexp"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Limits and value sets from the CreatePatchBaseline and PatchRule API
// references:
//
//	https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreatePatchBaseline.html
//	https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PatchRule.html
var (
	baselineName     = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,128}$`)
	complianceLevels = []string{"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNSPECIFIED"}
	// RejectedPatchesAction, documented for CreatePatchBaseline:
	// https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/ssm/aws.sdk.kotlin.services.ssm.model/-create-patch-baseline-request/rejected-patches-action.html
	rejectedActions   = []string{"ALLOW_AS_DEPENDENCY", "BLOCK"}
	securityStatuses  = []string{"COMPLIANT", "NON_COMPLIANT"}
	sourceName        = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,50}$`)
	maxPatchRules     = 10
	maxApproveAfter   = 360
	approveUntilShape = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
)

// validateBaseline checks one baseline against the AWS rules for its
// operating system. A baseline with neither approval rules nor approved
// patches is an error: it would approve nothing, which is almost always a
// mistake (to approve nothing on purpose, write a rule with an
// ApproveUntilDate in the past, and say so in the Description).
func validateBaseline(c *collector, path string, b *Baseline) {
	if b.Name == "" {
		c.add(path+".Name", "is required")
	} else if !baselineName.MatchString(b.Name) {
		c.add(path+".Name", "%q must be 3 to 128 letters, digits, '_', '-' or '.'", b.Name)
	}
	os := fleet.OSFamily(b.OperatingSystem)
	if !os.Valid() {
		c.add(path+".OperatingSystem", "%q is not one of UBUNTU, AMAZON_LINUX_2, AMAZON_LINUX_2023, WINDOWS", b.OperatingSystem)
		return // every other rule depends on the OS
	}
	if b.GlobalFilters != nil {
		validateFilterGroup(c, path+".GlobalFilters", os, *b.GlobalFilters)
	}
	rules := 0
	if b.ApprovalRules != nil {
		rules = len(b.ApprovalRules.PatchRules)
		if rules > maxPatchRules {
			c.add(path+".ApprovalRules.PatchRules", "has %d rules; AWS allows at most %d", rules, maxPatchRules)
		}
		for i, r := range b.ApprovalRules.PatchRules {
			validateRule(c, fmt.Sprintf("%s.ApprovalRules.PatchRules[%d]", path, i), os, r)
		}
	}
	if rules == 0 && len(b.ApprovedPatches) == 0 {
		c.add(path, "approves nothing: add ApprovalRules or ApprovedPatches")
	}
	validatePatchList(c, path+".ApprovedPatches", os, b.ApprovedPatches, true)
	validatePatchList(c, path+".RejectedPatches", os, b.RejectedPatches, false)
	if b.ApprovedPatchesComplianceLevel != "" && !contains(complianceLevels, b.ApprovedPatchesComplianceLevel) {
		c.add(path+".ApprovedPatchesComplianceLevel", "%q is not one of %v", b.ApprovedPatchesComplianceLevel, complianceLevels)
	}
	if b.ApprovedPatchesEnableNonSecurity && !isLinux(os) {
		c.add(path+".ApprovedPatchesEnableNonSecurity", "applies to Linux only, not %s", os)
	}
	if b.RejectedPatchesAction != "" && !contains(rejectedActions, b.RejectedPatchesAction) {
		c.add(path+".RejectedPatchesAction", "%q is not ALLOW_AS_DEPENDENCY or BLOCK", b.RejectedPatchesAction)
	}
	if s := b.AvailableSecurityUpdatesComplianceStatus; s != "" {
		if !contains(securityStatuses, s) {
			c.add(path+".AvailableSecurityUpdatesComplianceStatus", "%q is not COMPLIANT or NON_COMPLIANT", s)
		} else if os != fleet.OSWindows {
			c.add(path+".AvailableSecurityUpdatesComplianceStatus", "applies to Windows only, not %s", os)
		}
	}
	if len(b.Sources) > 0 && !isLinux(os) {
		c.add(path+".Sources", "alternative package repositories apply to Linux only, not %s", os)
	}
	for i, s := range b.Sources {
		sp := fmt.Sprintf("%s.Sources[%d]", path, i)
		if !sourceName.MatchString(s.Name) {
			c.add(sp+".Name", "%q must be 3 to 50 letters, digits, '_', '-' or '.'", s.Name)
		}
		if len(s.Products) == 0 {
			c.add(sp+".Products", "must name at least one product")
		}
		if s.Configuration == "" {
			c.add(sp+".Configuration", "is required (the repository configuration)")
		}
	}
}

func validateRule(c *collector, path string, os fleet.OSFamily, r PatchRule) {
	validateFilterGroup(c, path+".PatchFilterGroup", os, r.PatchFilterGroup)
	if r.ComplianceLevel != "" && !contains(complianceLevels, r.ComplianceLevel) {
		c.add(path+".ComplianceLevel", "%q is not one of %v", r.ComplianceLevel, complianceLevels)
	}
	if r.EnableNonSecurity && !isLinux(os) {
		c.add(path+".EnableNonSecurity", "applies to Linux only, not %s", os)
	}
	if os == fleet.OSUbuntu {
		// "Not supported for Debian Server or Ubuntu Server." (PatchRule)
		if r.ApproveAfterDays != nil {
			c.add(path+".ApproveAfterDays", "is not supported for Ubuntu: Ubuntu rules approve at once")
		}
		if r.ApproveUntilDate != "" {
			c.add(path+".ApproveUntilDate", "is not supported for Ubuntu: Ubuntu rules approve at once")
		}
		return
	}
	switch {
	case r.ApproveAfterDays != nil && r.ApproveUntilDate != "":
		c.add(path, "set ApproveAfterDays or ApproveUntilDate, not both")
	case r.ApproveAfterDays == nil && r.ApproveUntilDate == "":
		c.add(path, "needs ApproveAfterDays or ApproveUntilDate")
	}
	if d := r.ApproveAfterDays; d != nil && (*d < 0 || *d > maxApproveAfter) {
		c.add(path+".ApproveAfterDays", "%d is outside 0..%d", *d, maxApproveAfter)
	}
	if s := r.ApproveUntilDate; s != "" {
		if _, err := time.Parse(time.DateOnly, s); err != nil || !approveUntilShape.MatchString(s) {
			c.add(path+".ApproveUntilDate", "%q is not a date in the form YYYY-MM-DD", s)
		}
	}
}

func validateFilterGroup(c *collector, path string, os fleet.OSFamily, g FilterGroup) {
	if len(g.PatchFilters) > maxFiltersPerGroup {
		c.add(path+".PatchFilters", "has %d filters; AWS allows at most %d", len(g.PatchFilters), maxFiltersPerGroup)
	}
	seen := map[string]bool{}
	for i, f := range g.PatchFilters {
		fp := fmt.Sprintf("%s.PatchFilters[%d]", path, i)
		if !contains(filterKeys[os], f.Key) {
			c.add(fp+".Key", "%q is not a filter key for %s (use one of %v)", f.Key, os, filterKeys[os])
			continue
		}
		if seen[f.Key] {
			c.add(fp+".Key", "%q appears twice in one filter group", f.Key)
		}
		seen[f.Key] = true
		if len(f.Values) == 0 || len(f.Values) > maxFilterValues {
			c.add(fp+".Values", "must hold 1 to %d values", maxFilterValues)
		}
		allowed := filterValues[os][f.Key]
		for j, v := range f.Values {
			switch {
			case v == "":
				c.add(fmt.Sprintf("%s.Values[%d]", fp, j), "must not be empty")
			case v != "*" && allowed != nil && !contains(allowed, v):
				c.add(fmt.Sprintf("%s.Values[%d]", fp, j), "%q is not a %s value for %s (use * or one of %v)", v, f.Key, os, allowed)
			}
		}
	}
}

func validatePatchList(c *collector, path string, os fleet.OSFamily, list []string, approved bool) {
	if len(list) > maxPatchListLen {
		c.add(path, "has %d entries; AWS allows at most %d", len(list), maxPatchListLen)
	}
	for i, e := range list {
		if msg := patchEntryError(os, e, approved); msg != "" {
			c.add(fmt.Sprintf("%s[%d]", path, i), "%q %s", e, msg)
		}
	}
}

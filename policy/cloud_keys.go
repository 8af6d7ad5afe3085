package policy

import (
	"fmt"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// unreportedKeys lists, per cloud and OS family, the baseline filter keys
// whose patch attribute that cloud's patch APIs do not report (or only
// sometimes), and what a person calls the attribute.
//
// Azure: an assessPatches result gives a patch's name, version, KB,
// classifications (the publisher's), reboot behaviour and published date,
// and nothing else: no MSRC severity for Windows, no Ubuntu priority or
// archive section, and for Linux only the classifications Critical,
// Security and Other, so an Amazon Linux severity other than Critical
// (which providers/azure maps from the Critical classification) is not
// known either:
//
//	https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/assess-patches
//	https://learn.microsoft.com/en-us/javascript/api/@azure/arm-compute/virtualmachinesoftwarepatchproperties
//
// AWS reports every filter key of these four OS families through
// DescribeInstancePatches (PatchComplianceData Classification and
// Severity: for Ubuntu the section and the priority) and
// DescribeAvailablePatches. What AWS does not report is the pocket an
// Ubuntu update comes from, which is not a filter key but decides which
// updates are security updates; see UbuntuPocketUnknown.
var unreportedKeys = map[fleet.Cloud]map[fleet.OSFamily]map[string]string{
	fleet.CloudAzure: {
		fleet.OSWindows:         {"MSRC_SEVERITY": "MSRC severity"},
		fleet.OSUbuntu:          {"PRIORITY": "Ubuntu priority", "SECTION": "Ubuntu archive section"},
		fleet.OSAmazonLinux2:    {"SEVERITY": azureALSeverity},
		fleet.OSAmazonLinux2023: {"SEVERITY": azureALSeverity},
	},
}

// azureALSeverity is Azure's partial Amazon Linux severity: a patch
// classified Critical has SEVERITY Critical, any other none. A filter on it
// still selects the Critical ones, so Policy.Warnings does not warn about
// it; the decisions on the others say that it could not be applied.
const azureALSeverity = "Amazon Linux severity other than Critical"

// cloudNames spell clouds in messages.
var cloudNames = map[fleet.Cloud]string{fleet.CloudAWS: "AWS", fleet.CloudAzure: "Azure"}

// UnreportedKeys returns the filter keys that the cloud does not report
// for the OS family, mapped to what they are called ("MSRC severity").
func UnreportedKeys(cloud fleet.Cloud, os fleet.OSFamily) map[string]string {
	return unreportedKeys[cloud][os]
}

// unreportedWhy says why filter key cannot be applied to p, as in "Azure
// does not report MSRC severity; the filter cannot be applied", or "" when
// p's cloud reports the key or p has a value for it.
func unreportedWhy(key string, p fleet.Patch) string {
	cloud, what := unreportedWhat(key, p)
	if what == "" {
		return ""
	}
	return cannotApply(cloud, []string{what})
}

// unreportedWhat returns p's cloud and what it calls the attribute of
// filter key when that cloud does not report it and p has no value for
// it; what is "" otherwise.
func unreportedWhat(key string, p fleet.Patch) (cloud, what string) {
	if p.CloudReport == nil {
		return "", ""
	}
	if v, _ := patchField(key, p); v != "" {
		return "", ""
	}
	return cloudNames[p.CloudReport.Cloud], unreportedKeys[p.CloudReport.Cloud][p.OS][key]
}

// cannotApply says that cloud does not report the attributes whats.
func cannotApply(cloud string, whats []string) string {
	if len(whats) == 1 {
		return fmt.Sprintf("%s does not report %s; the filter cannot be applied", cloud, whats[0])
	}
	return fmt.Sprintf("%s does not report %s; the filters cannot be applied", cloud, strings.Join(whats, " or "))
}

// UbuntuPocketUnknown reports whether p is an Ubuntu update whose pocket
// (-security, -updates) its source did not report, as AWS's patch
// listings do not: PatchComplianceData has no repository field
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PatchComplianceData.html),
// and DescribeAvailablePatches is documented for Amazon Linux and Windows
// only
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeAvailablePatches.html).
func UbuntuPocketUnknown(p fleet.Patch) bool {
	return p.OS == fleet.OSUbuntu && p.Repository == ""
}

// Warnings returns what is valid in the policy but will not work as
// written, one FieldError each (file, line, field, message), in group
// order. Today: a group whose selector can reach Azure machines uses a
// baseline that filters on a key Azure does not report (PRIORITY and
// SECTION for Ubuntu, MSRC_SEVERITY for Windows). On Azure patches such a
// filter cannot be applied, so it selects none of them; the decisions and
// the review say so.
func (p *Policy) Warnings() []FieldError {
	var out []FieldError
	for _, name := range sortedKeys(p.Groups) {
		g := p.Groups[name]
		if !p.reachesAzure(g) {
			continue
		}
		gp := itemPath("groups", name)
		for _, os := range g.OSFamilies() {
			bname, ok := g.Baselines[os]
			b := p.Baselines[bname]
			if !ok || b == nil {
				continue
			}
			for _, use := range unreportedUses(b, os) {
				field := gp + ".baselines." + string(os)
				pos, _ := p.Position(field)
				if pos == (Pos{}) {
					pos, _ = p.Position(gp)
				}
				out = append(out, FieldError{File: pos.File, Line: pos.Line, Field: field, Msg: fmt.Sprintf(
					"baseline %q filters on %s at %s, which Azure does not report (%s); the group's selector can reach Azure machines, whose patches that filter cannot select (restrict selector.clouds to aws, or give Azure machines a group whose baseline does not filter on %s)",
					bname, use.key, itemPath("baselines", bname)+"."+use.path, use.what, use.key)})
			}
		}
	}
	return out
}

// filterUse is one filter of a baseline on a key Azure does not report.
type filterUse struct{ key, what, path string }

// unreportedUses lists the filters of b on keys Azure does not report for
// os; a filter whose values include "*" selects every patch, reported or
// not, and is left out.
func unreportedUses(b *Baseline, os fleet.OSFamily) []filterUse {
	keys := unreportedKeys[fleet.CloudAzure][os]
	var out []filterUse
	scan := func(g *FilterGroup, path string) {
		if g == nil {
			return
		}
		for i, f := range g.PatchFilters {
			if what, ok := keys[f.Key]; ok && what != azureALSeverity && !contains(f.Values, "*") {
				out = append(out, filterUse{f.Key, what, fmt.Sprintf("%s.PatchFilters[%d]", path, i)})
			}
		}
	}
	scan(b.GlobalFilters, "GlobalFilters")
	if b.ApprovalRules != nil {
		for i := range b.ApprovalRules.PatchRules {
			scan(&b.ApprovalRules.PatchRules[i].PatchFilterGroup, fmt.Sprintf("ApprovalRules.PatchRules[%d].PatchFilterGroup", i))
		}
	}
	return out
}

// reachesAzure reports whether g's selector can select Azure machines:
// the policy targets Azure subscriptions, selector.clouds is empty or
// lists azure, and selector.accounts is empty or names one of them.
func (p *Policy) reachesAzure(g *Group) bool {
	if len(p.Targets.Azure) == 0 {
		return false
	}
	if len(g.Selector.Clouds) > 0 {
		azure := false
		for _, c := range g.Selector.Clouds {
			azure = azure || c == fleet.CloudAzure
		}
		if !azure {
			return false
		}
	}
	if len(g.Selector.Accounts) == 0 {
		return true
	}
	for _, a := range g.Selector.Accounts {
		for _, s := range p.Targets.Azure {
			if strings.EqualFold(a, s.ID) {
				return true
			}
		}
	}
	return false
}

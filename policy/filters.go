package policy

import "github.com/fleetpatch/fleetpatch/fleet"

// Filter keys by operating system, as listed for DescribePatchProperties
// and PatchFilter:
//
//	https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribePatchProperties.html
//	https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PatchFilter.html
//
// DescribePatchProperties lists PRODUCT and PRIORITY for UBUNTU; the
// PatchFilter reference also documents SECTION as an Ubuntu-only key, so it
// is accepted. For WINDOWS, PatchFilter also lists PATCH_SET (OS or
// APPLICATION). The same keys apply to GlobalFilters: the references
// document no wider set for these four operating systems.
var filterKeys = map[fleet.OSFamily][]string{
	fleet.OSUbuntu:          {"PRODUCT", "PRIORITY", "SECTION"},
	fleet.OSAmazonLinux2:    {"PRODUCT", "CLASSIFICATION", "SEVERITY"},
	fleet.OSAmazonLinux2023: {"PRODUCT", "CLASSIFICATION", "SEVERITY"},
	fleet.OSWindows:         {"PRODUCT", "PRODUCT_FAMILY", "CLASSIFICATION", "MSRC_SEVERITY", "PATCH_SET"},
}

// Filter values where AWS restricts them (PatchFilter reference above, and
// the updateinfo.xml attributes described in
// https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-linux-rules.html).
// Keys not listed here (PRODUCT, PRODUCT_FAMILY, SECTION) take free text,
// because their values grow with every OS release. "*" is always allowed.
var amazonLinuxValues = map[string][]string{
	"CLASSIFICATION": {"Security", "Bugfix", "Enhancement", "Recommended", "Newpackage"},
	"SEVERITY":       {"Critical", "Important", "Medium", "Low"},
}

var filterValues = map[fleet.OSFamily]map[string][]string{
	fleet.OSUbuntu: {
		"PRIORITY": {"Required", "Important", "Standard", "Optional", "Extra"},
	},
	fleet.OSAmazonLinux2:    amazonLinuxValues,
	fleet.OSAmazonLinux2023: amazonLinuxValues,
	fleet.OSWindows: {
		"CLASSIFICATION": {"CriticalUpdates", "DefinitionUpdates", "Drivers", "FeaturePacks", "SecurityUpdates",
			"ServicePacks", "Tools", "UpdateRollups", "Updates", "Upgrades"},
		"MSRC_SEVERITY": {"Critical", "Important", "Moderate", "Low", "Unspecified"},
		"PATCH_SET":     {"OS", "APPLICATION"},
	},
}

// maxFiltersPerGroup: "Array Members: Minimum number of 0 items. Maximum
// number of 4 items." —
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PatchFilterGroup.html
const maxFiltersPerGroup = 4

// maxFilterValues: PatchFilter Values hold 1 to 20 items (PatchFilter
// reference above).
const maxFilterValues = 20

// isLinux reports whether the family uses Linux baseline semantics
// (EnableNonSecurity, Sources, package-name patch lists).
func isLinux(os fleet.OSFamily) bool { return os.Valid() && !os.IsWindows() }

// patchField returns the attribute of p that a filter key selects on.
func patchField(key string, p fleet.Patch) (string, bool) {
	switch key {
	case "PRODUCT":
		return p.Product, true
	case "PRODUCT_FAMILY":
		return p.ProductFamily, true
	case "CLASSIFICATION":
		return p.Classification, true
	case "SEVERITY":
		return p.Severity, true
	case "MSRC_SEVERITY":
		return p.MSRCSeverity, true
	case "PRIORITY":
		return p.Priority, true
	case "SECTION":
		return p.Section, true
	case "PATCH_SET":
		// fleetpatch patches Windows itself; application updates are not
		// scanned, so every Windows patch is in the OS patch set.
		return "OS", true
	}
	return "", false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

package azure

import (
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// ubuntuCodenames names the Ubuntu releases whose archive pockets the
// Linux mapping uses.
var ubuntuCodenames = map[string]string{"20.04": "focal", "22.04": "jammy", "24.04": "noble"}

// windowsClassifications maps Azure's Windows classifications, in the
// install input's spelling and in the assessment's display spelling
// (spaces removed, lower case), to the PatchBaseline's.
var windowsClassifications = map[string]string{
	"critical": "CriticalUpdates", "criticalupdates": "CriticalUpdates",
	"security": "SecurityUpdates", "securityupdates": "SecurityUpdates",
	"updaterollup": "UpdateRollups", "updaterollups": "UpdateRollups",
	"featurepack": "FeaturePacks", "featurepacks": "FeaturePacks",
	"servicepack": "ServicePacks", "servicepacks": "ServicePacks",
	"definition": "DefinitionUpdates", "definitionupdates": "DefinitionUpdates",
	"tools": "Tools", "updates": "Updates",
}

// azurePatch is one patch as Azure reports it.
type azurePatch struct {
	Name, Version, KB string
	Classifications   []string
	RebootBehavior    string
	Published         time.Time
}

// toFleetPatch maps an Azure patch of a machine to the fleet model (see
// the package documentation for the classification table). The patch is
// reported by Azure (fleet.CloudReport, never Approved: assessPatches
// evaluates no baseline), so that an evaluation names Azure when a filter
// key is one Azure does not report (policy.UnreportedKeys).
func toFleetPatch(in fleet.Instance, a azurePatch) fleet.Patch {
	p := fleet.Patch{Name: a.Name, OS: in.OS, ReleaseDate: a.Published,
		RequiresReboot: a.RebootBehavior != "" && !strings.EqualFold(a.RebootBehavior, "NeverReboots"),
		CloudReport:    &fleet.CloudReport{Cloud: fleet.CloudAzure}}
	classes := map[string]bool{}
	for _, c := range a.Classifications {
		classes[strings.ToLower(strings.ReplaceAll(c, " ", ""))] = true
	}
	switch {
	case in.OS.IsWindows():
		kb := strings.TrimPrefix(strings.ToUpper(a.KB), "KB")
		p.ID, p.KB = "KB"+kb, "KB"+kb
		p.Product, p.ProductFamily = "WindowsServer"+in.OSVersion, "Windows"
		for _, want := range []string{"security", "critical", "updaterollup", "featurepack", "servicepack", "definition", "tools", "updates",
			"securityupdates", "criticalupdates", "updaterollups", "featurepacks", "servicepacks", "definitionupdates"} {
			if classes[want] {
				p.Classification = windowsClassifications[want]
				break
			}
		}
	case in.OS == fleet.OSUbuntu:
		p.ID, p.Version = a.Name+":"+a.Version, a.Version
		p.Product = "Ubuntu" + in.OSVersion
		pocket := "-updates"
		if classes["security"] || classes["critical"] {
			pocket = "-security"
		}
		if code := ubuntuCodenames[in.OSVersion]; code != "" {
			p.Repository = code + pocket
		} else {
			p.Repository = "ubuntu" + pocket
		}
	default:
		p.ID, p.Version = a.Name+":"+a.Version, a.Version
		switch {
		case classes["critical"]:
			p.Classification, p.Severity = "Security", "Critical"
		case classes["security"]:
			p.Classification = "Security"
		default:
			p.Classification = "Bugfix"
		}
	}
	return p
}

// osOf maps an instanceView's or a Resource Graph row's OS to the fleet's
// family and version ("" when not supported).
func osOf(osType, osName, osVersion string) (fleet.OSFamily, string) {
	name := strings.ToLower(osName)
	switch {
	case strings.EqualFold(osType, "Windows") || strings.Contains(name, "windows"):
		for _, v := range []string{"2016", "2019", "2022", "2025"} {
			if strings.Contains(name, v) {
				return fleet.OSWindows, v
			}
		}
		switch {
		case strings.HasPrefix(osVersion, "10.0.14393"):
			return fleet.OSWindows, "2016"
		case strings.HasPrefix(osVersion, "10.0.20348"):
			return fleet.OSWindows, "2022"
		}
		return fleet.OSWindows, osVersion
	case strings.Contains(name, "ubuntu"):
		parts := strings.SplitN(osVersion, ".", 3)
		if len(parts) >= 2 {
			return fleet.OSUbuntu, parts[0] + "." + parts[1]
		}
		return fleet.OSUbuntu, osVersion
	case strings.Contains(name, "amazon"):
		if strings.HasPrefix(osVersion, "2023") {
			return fleet.OSAmazonLinux2023, "2023"
		}
		return fleet.OSAmazonLinux2, "2"
	}
	return "", osVersion
}

package fleet

import "time"

// Patch is one available update for one OS: a package at a new version
// (Linux) or a KB (Windows). The same Patch is shared by every instance that
// misses it; what differs per instance is its PatchStatus.
type Patch struct {
	// ID identifies the update across the fleet: "name:version" for Linux
	// packages (e.g. "openssl:3.0.2-0ubuntu1.18"), the KB for Windows
	// (e.g. "KB5031361"). Manifests and approvals name patches by ID.
	ID string `json:"id"`
	// Name is the package name (Linux) or the KB title (Windows).
	Name string `json:"name"`
	// Version is the version the update installs (Linux); empty for Windows.
	Version string `json:"version,omitempty"`
	// KB is the knowledge-base article ID (Windows only).
	KB   string   `json:"kb,omitempty"`
	Arch string   `json:"arch,omitempty"`
	OS   OSFamily `json:"os"`
	// Classification: Amazon Linux (Security, Bugfix, Enhancement,
	// Recommended, Newpackage) and Windows (SecurityUpdates,
	// CriticalUpdates, Updates, ...); Ubuntu has none.
	Classification string `json:"classification,omitempty"`
	// Severity: Amazon Linux (Critical, Important, Medium, Low).
	Severity string `json:"severity,omitempty"`
	// MSRCSeverity: Windows (Critical, Important, Moderate, Low, Unspecified).
	MSRCSeverity string `json:"msrcSeverity,omitempty"`
	// Priority: Ubuntu (Required, Important, Standard, Optional, Extra).
	Priority string `json:"priority,omitempty"`
	// Section: Ubuntu archive section (e.g. libs, admin, net, kernel).
	Section string `json:"section,omitempty"`
	// Product: the OS release the update is for (e.g. "Ubuntu22.04",
	// "AmazonLinux2023", "WindowsServer2022").
	Product string `json:"product,omitempty"`
	// ProductFamily: Windows (e.g. "Windows").
	ProductFamily  string    `json:"productFamily,omitempty"`
	CVEs           []string  `json:"cves,omitempty"`
	ReleaseDate    time.Time `json:"releaseDate"`
	RequiresReboot bool      `json:"requiresReboot,omitempty"`
	// Repository is where the update comes from; for Ubuntu, updates from
	// the -security pocket are the security updates (AWS treats them so).
	Repository string `json:"repository,omitempty"`
	// Advisory is the update notice (updateinfo.xml) that lists the
	// package, e.g. "ALAS2-2024-2612" (Amazon Linux; IDs joined by commas
	// when several do); empty when no notice lists it or the source does
	// not say (AWS reports it as Patch.AdvisoryIds of
	// DescribeAvailablePatches).
	Advisory string `json:"advisory,omitempty"`
	// CloudReport is what the cloud that reported the patch says of it
	// beyond the attributes above; nil when the source knows everything
	// (the simulated provider).
	CloudReport *CloudReport `json:"cloudReport,omitempty"`
}

// CloudReport is a cloud's word on a patch: which cloud reported it, so
// that an evaluation knows which attributes that cloud leaves empty
// (policy.UnreportedKeys), and whether the cloud's own evaluation of the
// cycle's baseline approved it.
type CloudReport struct {
	Cloud Cloud `json:"cloud"`
	// Approved: the cloud's own evaluation of the cycle's baseline
	// approved the patch. AWS: a scan with the baseline as
	// BaselineOverride reported it Missing, a state AWS gives only to
	// patches the baseline approves.
	Approved bool `json:"approved,omitempty"`
}

// IsSecurity reports whether the vendor calls the patch a security
// update: Amazon Linux classification Security, Windows
// SecurityUpdates/CriticalUpdates, Ubuntu updates from a -security pocket.
// Reports use it. Baseline decisions (EnableNonSecurity) differ on Amazon
// Linux, where every package in an update notice counts as security:
// see policy.countsAsSecurity.
func (p Patch) IsSecurity() bool {
	switch p.OS {
	case OSWindows:
		return p.Classification == "SecurityUpdates" || p.Classification == "CriticalUpdates"
	case OSUbuntu:
		return len(p.Repository) >= 9 && p.Repository[len(p.Repository)-9:] == "-security"
	default:
		return p.Classification == "Security"
	}
}

// PatchOnInstance is a patch together with the version installed on one
// instance. A JSON array of them is the patches file that
// `starter baseline explain --patches FILE` reads and `starter fleet patches`
// writes.
type PatchOnInstance struct {
	Patch
	InstalledVersion string `json:"installedVersion,omitempty"`
}

package cloudsim

import (
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Windows update classifications and MSRC severities.
const (
	classSecurityUpdates   = "SecurityUpdates"
	classCriticalUpdates   = "CriticalUpdates"
	classDefinitionUpdates = "DefinitionUpdates"

	msrcCritical    = "Critical"
	msrcImportant   = "Important"
	msrcUnspecified = "Unspecified"
)

// productDefender is the product of Defender definition updates, which are
// the same KB for every Windows Server version.
const productDefender = "MicrosoftDefenderAntivirus"

// kbUpdate is an update slot of a Windows catalog: slot names the component
// (its inventory name), versions are the builds or definition versions it
// moves through, oldest first, and the newest comes with KB kb.
func kbUpdate(slot, kb, title, class, msrc string, versions ...string) pkgSpec {
	return pkgSpec{name: slot, kb: kb, title: title, class: class, severity: msrc, versions: versions, arch: "x64"}
}

// windowsRelease builds a Windows Server release. Its updates are identified
// by KB; the versions of a slot are OS builds (cumulative updates) or
// product versions, which show in inventories and install results.
func windowsRelease(now time.Time, product, version string, specs []pkgSpec) *release {
	r := &release{Product: product, OS: fleet.OSWindows, OSVersion: version, Platform: "Windows"}
	for _, s := range specs {
		r.Components = append(r.Components, newComponent(s, func(s pkgSpec) *fleet.Patch {
			p := product
			if s.class == classDefinitionUpdates {
				p = productDefender
			}
			return &fleet.Patch{
				ID: s.kb, Name: s.title, KB: s.kb, Arch: s.arch, OS: fleet.OSWindows,
				Classification: s.class, MSRCSeverity: s.severity, Product: p, ProductFamily: "Windows",
				CVEs: s.cves, ReleaseDate: releaseDate(now, s.kb), RequiresReboot: s.reboot,
			}
		}))
	}
	return r
}

// defenderDefinitions is the Defender security intelligence slot, shared
// by every Windows Server version.
func defenderDefinitions() pkgSpec {
	return kbUpdate("Microsoft Defender Antivirus security intelligence", "KB2267602",
		"Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 (Version 1.417.472.0)",
		classDefinitionUpdates, msrcUnspecified, "1.405.1211.0", "1.411.385.0", "1.417.472.0")
}

// windowsServer2016 is Windows Server 2016 (build 14393).
func windowsServer2016(now time.Time) *release {
	return windowsRelease(now, ProductWindows2016, "2016", []pkgSpec{
		kbUpdate("Windows Server 2016 cumulative update", "KB5041773",
			"2024-08 Cumulative Update for Windows Server 2016 for x64-based Systems (KB5041773)",
			classSecurityUpdates, msrcCritical, "10.0.14393.6796", "10.0.14393.6897", "10.0.14393.7070", "10.0.14393.7259").
			withCVEs("CVE-2024-38063", "CVE-2024-38140", "CVE-2024-38199").rebooting(),
		kbUpdate("Windows Server 2016 servicing stack", "KB5041576",
			"2024-08 Servicing Stack Update for Windows Server 2016 for x64-based Systems (KB5041576)",
			classCriticalUpdates, msrcUnspecified, "10.0.14393.6790", "10.0.14393.7254"),
		kbUpdate(".NET Framework 4.8 cumulative update", "KB5041026",
			"2024-08 Cumulative Update for .NET Framework 4.8 for Windows Server 2016 for x64 (KB5041026)",
			classSecurityUpdates, msrcImportant, "4.8.4690.0", "4.8.4718.0", "4.8.4739.0").
			withCVEs("CVE-2024-38081", "CVE-2024-38095").rebooting(),
		defenderDefinitions(),
	})
}

// windowsServer2022 is Windows Server 2022 (build 20348).
func windowsServer2022(now time.Time) *release {
	return windowsRelease(now, ProductWindows2022, "2022", []pkgSpec{
		kbUpdate("Windows Server 2022 cumulative update", "KB5041160",
			"2024-08 Cumulative Update for Microsoft server operating system version 21H2 for x64-based Systems (KB5041160)",
			classSecurityUpdates, msrcCritical, "10.0.20348.2340", "10.0.20348.2402", "10.0.20348.2582", "10.0.20348.2655").
			withCVEs("CVE-2024-38063", "CVE-2024-38140", "CVE-2024-38178").rebooting(),
		kbUpdate(".NET Framework 3.5 and 4.8 cumulative update", "KB5041948",
			"2024-08 Cumulative Update for .NET Framework 3.5 and 4.8 for Microsoft server operating system version 21H2 for x64 (KB5041948)",
			classSecurityUpdates, msrcImportant, "4.8.4690.0", "4.8.4718.0", "4.8.4739.0").
			withCVEs("CVE-2024-38081", "CVE-2024-38095").rebooting(),
		defenderDefinitions(),
	})
}

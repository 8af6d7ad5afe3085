package policy

import (
	"regexp"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Formats accepted in ApprovedPatches and RejectedPatches, per OS, after
// "Package name formats for approved and rejected patch lists":
// https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-approved-rejected-package-name-formats.html
//
//   - Windows: Microsoft Knowledge Base IDs (KB2032276) and Microsoft
//     Security Bulletin IDs (MS10-048).
//   - Amazon Linux 2 / 2023 (YUM/DNF): approved lists take Bugzilla IDs
//     (digits only), CVE IDs, advisory IDs (ALAS-2018-123,
//     ALAS2023-2025-123, RHSA-2017:0864) and package names built from
//     name, arch, epoch, version and release (dbus, dbus.x86_64,
//     dbus-1.12.28-1.amzn2023.0.1, dbus-1:1.12.28-1.amzn2023.0.1.x86_64),
//     with at most one "*" wildcard. Rejected lists take package names.
//   - Ubuntu (APT): package names (lowercase letters, digits, "+", "-",
//     "."), optionally followed by ":version" as fleetpatch patch IDs are
//     written, with "*" wildcards (linux-image-*).
var (
	windowsKB       = regexp.MustCompile(`^(?i:KB)[0-9]{6,8}$`)
	windowsBulletin = regexp.MustCompile(`^(?i:MS)[0-9]{2}-[0-9]{3}$`)
	bugzillaID      = regexp.MustCompile(`^[0-9]+$`)
	cveID           = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)
	advisoryID      = regexp.MustCompile(`^(ALAS[0-9]*|RHSA|ELSA)-[0-9]{4}[-:][0-9]+$`)
	rpmPackage      = regexp.MustCompile(`^[A-Za-z0-9_*][A-Za-z0-9_.+~^:*-]*$`)
	debPackage      = regexp.MustCompile(`^[a-z0-9*][a-z0-9+.*-]*(:[A-Za-z0-9.+~:*-]+)?$`)
)

// maxPatchListLen: ApprovedPatches and RejectedPatches hold at most 50
// items of 1 to 100 characters —
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CreatePatchBaseline.html
const (
	maxPatchListLen  = 50
	maxPatchEntryLen = 100
)

// patchEntryError explains why entry is not a valid ApprovedPatches
// (approved true) or RejectedPatches entry for os, or returns "".
func patchEntryError(os fleet.OSFamily, entry string, approved bool) string {
	if entry == "" || len(entry) > maxPatchEntryLen {
		return "must be 1 to 100 characters"
	}
	switch os {
	case fleet.OSWindows:
		if windowsKB.MatchString(entry) || windowsBulletin.MatchString(entry) {
			return ""
		}
		return "is not a Windows KB ID (KB5031361) or security bulletin ID (MS10-048)"
	case fleet.OSAmazonLinux2, fleet.OSAmazonLinux2023:
		if approved && (bugzillaID.MatchString(entry) || cveID.MatchString(entry) || advisoryID.MatchString(entry)) {
			return ""
		}
		if rpmPackage.MatchString(entry) && strings.Count(entry, "*") <= 1 {
			return ""
		}
		if approved {
			return "is not a package name (name, name.arch, name-version-release.arch, name-epoch:version-release, with at most one *), CVE, advisory or Bugzilla ID"
		}
		return "is not a package name (name, name.arch, name-version-release.arch, name-epoch:version-release, with at most one *)"
	case fleet.OSUbuntu:
		if debPackage.MatchString(entry) {
			return ""
		}
		return "is not an Ubuntu package name (lowercase, e.g. openssl, linux-image-*, openssl:3.0.2-0ubuntu1.18)"
	}
	return ""
}

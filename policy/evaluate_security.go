package policy

import "github.com/fleetpatch/fleetpatch/fleet"

// countsAsSecurity reports whether a Linux baseline treats p as a security
// update, which is what EnableNonSecurity and
// ApprovedPatchesEnableNonSecurity (false by default) let through.
//
// Amazon Linux 2 and Amazon Linux 2023: every package listed in an update
// notice of updateinfo.xml counts as security, whatever the notice's type
// (Security, Bugfix, Enhancement, ...); only packages in no notice are
// non-security. "All packages that are in an update notice are considered
// Security by Patch Manager", and without non-security updates "only
// patches specified in updateinfo.xml are applied (security updates
// only)", the equivalent of `yum update-minimal --sec-severity=critical,important --bugfix`:
//
//	https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-selecting-patches.html
//	https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-installing-patches.html
//	https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-linux-rules.html
//
// Ubuntu: the candidate version must come from the release's -security
// pocket (same pages, Ubuntu Server tabs); fleet.Patch.IsSecurity says so.
// When the source reports no pocket (AWS's patch listings do not), the
// cloud's own verdict decides: an update the cycle's baseline approved in
// AWS's scan counts as security (see evaluate_cloud.go); without one it
// does not, and nonSecurityWhy says that the pocket is unknown.
//
// Windows has no such implicit rule (EnableNonSecurity is Linux-only,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PatchRule.html):
// its rules select on CLASSIFICATION and MSRC_SEVERITY alone, and Evaluate
// never asks.
func countsAsSecurity(p fleet.Patch) bool {
	switch p.OS {
	case fleet.OSAmazonLinux2, fleet.OSAmazonLinux2023:
		return inUpdateNotice(p)
	case fleet.OSUbuntu:
		return p.IsSecurity() || pocketTrusted(p)
	default:
		return p.IsSecurity()
	}
}

// inUpdateNotice reports whether an Amazon Linux package is listed in an
// update notice: it names one (Advisory), or it has a classification,
// which only a notice gives ("Individual packages are not assigned
// classifications or severity levels. For this reason, Patch Manager
// assigns the attributes of an update notice to the related packages",
// patch-manager-selecting-patches.html). The classification matters where
// the source reports no notice ID, as DescribeInstancePatches does.
func inUpdateNotice(p fleet.Patch) bool {
	return p.Advisory != "" || p.Classification != ""
}

// nonSecurityWhy explains, per OS, why p is not a security update.
func nonSecurityWhy(p fleet.Patch) string {
	switch p.OS {
	case fleet.OSAmazonLinux2, fleet.OSAmazonLinux2023:
		return "the package is in no update notice (updateinfo.xml), so it is not a security update"
	case fleet.OSUbuntu:
		if UbuntuPocketUnknown(p) {
			who := "its source"
			if p.CloudReport != nil {
				who = cloudNames[p.CloudReport.Cloud]
			}
			return who + " reports no pocket for the update and no cloud verdict approves it, so it cannot be taken for a -security update (on AWS, scan with the cycle's baseline as BaselineOverride)"
		}
		return "the update comes from " + p.Repository + ", not a -security pocket, so it is not a security update"
	}
	return "the patch is not a security update"
}

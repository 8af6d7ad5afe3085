package policy

import (
	"regexp"
	"slices"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// AL2023Latest is the al2023ReleaseVersion that moves instances to the
// newest release version their scan reports (`dnf check-release-update`).
const AL2023Latest = "latest"

// al2023Version is an Amazon Linux 2023 release version: 2023.MINOR.DATE
// (e.g. 2023.6.20241010), as /etc/amazon-linux/release-version holds it
// and `dnf upgrade --releasever=VERSION` takes it
// (https://docs.aws.amazon.com/linux/al2023/ug/deterministic-upgrades.html).
var al2023Version = regexp.MustCompile(`^2023\.[0-9]+\.20[0-9]{6}$`)

// ValidAL2023Release reports whether v is an AL2023 release version
// (2023.MINOR.DATE).
func ValidAL2023Release(v string) bool { return al2023Version.MatchString(v) }

// validateAL2023Release checks a group's al2023ReleaseVersion: "latest" or
// a release version, only for auto groups that can meet Amazon Linux 2023
// instances.
func validateAL2023Release(c *collector, path string, g *Group, installs bool) {
	v := g.AL2023ReleaseVersion
	if v == "" {
		return
	}
	f := path + ".al2023ReleaseVersion"
	switch {
	case v != AL2023Latest && !al2023Version.MatchString(v):
		c.add(f, "%q is not latest or an Amazon Linux 2023 release version such as 2023.6.20241010", v)
	case !slices.Contains(g.OSFamilies(), fleet.OSAmazonLinux2023):
		c.add(f, "is only for groups that can meet AMAZON_LINUX_2023 instances (selector.os does not list it)")
	case !installs:
		c.add(f, "is only for groups that install, not scan-only ones")
	case g.Mode == ModeApproval:
		// The release move is not part of the manifest an approval signs:
		// an approval group must not install what nobody approved.
		c.add(f, "is not for approval groups yet: the release move is not part of the manifest approvers sign")
	}
}

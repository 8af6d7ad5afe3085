package cloudsim

import (
	"fmt"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Amazon Linux classifications and severities, as the update notices
// (updateinfo.xml) and AWS Patch Manager name them. A package with an
// empty classification is in no notice: its update is non-security for
// Patch Manager, which counts every package of a notice, Bugfix and
// Enhancement included, as security
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-selecting-patches.html).
const (
	classSecurity    = "Security"
	classBugfix      = "Bugfix"
	classEnhancement = "Enhancement"

	sevCritical  = "Critical"
	sevImportant = "Important"
	sevMedium    = "Medium"
	sevLow       = "Low"
)

// rpm is an RPM package of an Amazon Linux catalog, versions oldest first
// (epoch:version-release as yum prints them).
func rpm(name, class, severity string, versions ...string) pkgSpec {
	return pkgSpec{name: name, class: class, severity: severity, versions: versions, arch: "x86_64"}
}

// amazonLinuxRelease builds an Amazon Linux release whose updates come from
// repository repo and whose update notices are named with prefix
// notices (e.g. "ALAS2").
func amazonLinuxRelease(now time.Time, product string, os fleet.OSFamily, version, repo, notices string, specs []pkgSpec) *release {
	r := &release{Product: product, OS: os, OSVersion: version, Platform: "Linux"}
	for _, s := range specs {
		r.Components = append(r.Components, newComponent(s, func(s pkgSpec) *fleet.Patch {
			v := s.versions[len(s.versions)-1]
			id := s.name + ":" + v
			p := &fleet.Patch{
				ID: id, Name: s.name, Version: v, Arch: s.arch, OS: os,
				Classification: s.class, Severity: s.severity, Product: product,
				CVEs: s.cves, ReleaseDate: releaseDate(now, id), RequiresReboot: s.reboot,
				Repository: repo,
			}
			if s.class != "" {
				p.Advisory = noticeID(notices, p.ReleaseDate, id)
			}
			return p
		}))
	}
	return r
}

// noticeID is a stable update notice ID in the ALAS form
// (prefix-year-number), from the patch ID.
func noticeID(prefix string, released time.Time, id string) string {
	return fmt.Sprintf("%s-%d-%d", prefix, released.Year(), 1000+hash64(0, "notice", id)%9000)
}

// amazonLinux2 is Amazon Linux 2.
func amazonLinux2(now time.Time) *release {
	return amazonLinuxRelease(now, ProductAmazonLinux2, fleet.OSAmazonLinux2, "2", "amzn2-core", "ALAS2", []pkgSpec{
		rpm("openssl-libs", classSecurity, sevImportant, "1:1.0.2k-24.amzn2.0.7", "1:1.0.2k-24.amzn2.0.11", "1:1.0.2k-24.amzn2.0.12").withCVEs("CVE-2024-5535", "CVE-2024-0727"),
		rpm("glibc", classSecurity, sevImportant, "2.26-63.amzn2", "2.26-63.amzn2.0.1", "2.26-64.amzn2.0.2").withCVEs("CVE-2024-2961", "CVE-2024-33599").rebooting(),
		rpm("kernel", classSecurity, sevImportant, "5.10.213-201.855.amzn2", "5.10.220-209.869.amzn2", "5.10.224-212.876.amzn2").withCVEs("CVE-2024-26925", "CVE-2024-36971", "CVE-2024-41009").rebooting().liveKernel(),
		rpm("sudo", "", "", "1.8.23-10.amzn2.3.3"),
		rpm("curl", classSecurity, sevMedium, "8.3.0-1.amzn2.0.5", "8.3.0-1.amzn2.0.6", "8.3.0-1.amzn2.0.7").withCVEs("CVE-2024-2398", "CVE-2024-7264"),
		rpm("systemd", classBugfix, sevLow, "219-78.amzn2.0.21", "219-78.amzn2.0.22").rebooting(),
		rpm("bash", "", "", "4.2.46-34.amzn2"),
		rpm("python3", classSecurity, sevMedium, "3.7.16-1.amzn2.0.4", "3.7.16-1.amzn2.0.7", "3.7.16-1.amzn2.0.8").withCVEs("CVE-2024-4032", "CVE-2024-6232"),
		rpm("vim-minimal", classSecurity, sevMedium, "2:9.0.2153-1.amzn2.0.1", "2:9.0.2153-1.amzn2.0.2").withCVEs("CVE-2024-22667"),
		rpm("openssh-server", classSecurity, sevImportant, "7.4p1-22.amzn2.0.6", "7.4p1-22.amzn2.0.8").withCVEs("CVE-2023-48795", "CVE-2023-51385"),
		rpm("tzdata", classEnhancement, sevLow, "2024a-1.amzn2", "2024b-1.amzn2").archOf("noarch"),
		// Updated without an update notice: non-security for Patch Manager.
		rpm("amazon-ssm-agent", "", "", "3.3.40.0-1.amzn2", "3.3.551.0-1.amzn2", "3.3.808.0-1.amzn2"),
		rpm("git", classSecurity, sevImportant, "2.40.1-1.amzn2.0.1", "2.40.1-1.amzn2.0.3").withCVEs("CVE-2024-32002", "CVE-2024-32004").onShare(0.5),
		rpm("expat", classSecurity, sevMedium, "2.1.0-15.amzn2.0.3", "2.1.0-15.amzn2.0.4").withCVEs("CVE-2024-45490"),
		rpm("ca-certificates", "", "", "2023.2.64-1.amzn2.0.1").archOf("noarch"),
		rpm("yum", classBugfix, sevLow, "3.4.3-158.amzn2.0.6", "3.4.3-158.amzn2.0.7").archOf("noarch"),
	})
}

// amazonLinux2023 is Amazon Linux 2023.
func amazonLinux2023(now time.Time) *release {
	return amazonLinuxRelease(now, ProductAmazonLinux2023, fleet.OSAmazonLinux2023, "2023", "amazonlinux", "ALAS2023", []pkgSpec{
		rpm("openssl-libs", classSecurity, sevImportant, "1:3.0.8-1.amzn2023.0.11", "1:3.0.8-1.amzn2023.0.12", "1:3.0.8-1.amzn2023.0.14").withCVEs("CVE-2024-5535", "CVE-2024-6119"),
		rpm("glibc", classSecurity, sevImportant, "2.34-52.amzn2023.0.8", "2.34-52.amzn2023.0.10", "2.34-52.amzn2023.0.11").withCVEs("CVE-2024-2961", "CVE-2024-33599").rebooting(),
		rpm("kernel", classSecurity, sevImportant, "6.1.84-99.169.amzn2023", "6.1.97-104.177.amzn2023", "6.1.102-111.182.amzn2023", "6.1.106-116.188.amzn2023").withCVEs("CVE-2024-26925", "CVE-2024-36971", "CVE-2024-41009").rebooting().liveKernel(),
		rpm("sudo", "", "", "1.9.15-1.p5.amzn2023.0.1"),
		rpm("curl-minimal", classSecurity, sevMedium, "8.5.0-1.amzn2023.0.2", "8.5.0-1.amzn2023.0.4").withCVEs("CVE-2024-6197", "CVE-2024-7264"),
		rpm("systemd", classBugfix, sevLow, "252.16-1.amzn2023.0.2", "252.23-2.amzn2023").rebooting(),
		rpm("bash", "", "", "5.2.15-1.amzn2023.0.2"),
		rpm("python3", classSecurity, sevMedium, "3.9.16-1.amzn2023.0.6", "3.9.16-1.amzn2023.0.8", "3.9.16-1.amzn2023.0.9").withCVEs("CVE-2024-4032", "CVE-2024-6232"),
		rpm("vim-minimal", classSecurity, sevMedium, "2:9.0.2153-1.amzn2023.0.1", "2:9.1.083-1.amzn2023.0.1").withCVEs("CVE-2024-41957"),
		rpm("openssh-server", classSecurity, sevCritical, "8.7p1-8.amzn2023.0.10", "8.7p1-8.amzn2023.0.11").withCVEs("CVE-2024-6387"),
		rpm("tzdata", classEnhancement, sevLow, "2024a-1.amzn2023.0.1", "2024b-1.amzn2023.0.1").archOf("noarch"),
		// Updated without an update notice: non-security for Patch Manager.
		rpm("amazon-ssm-agent", "", "", "3.3.131.0-1.amzn2023", "3.3.551.0-1.amzn2023", "3.3.808.0-1.amzn2023"),
		rpm("git", classSecurity, sevImportant, "2.40.1-1.amzn2023.0.1", "2.40.1-1.amzn2023.0.3").withCVEs("CVE-2024-32002", "CVE-2024-32004").onShare(0.5),
		rpm("nginx", classSecurity, sevMedium, "1:1.24.0-1.amzn2023.0.2", "1:1.24.0-1.amzn2023.0.4").withCVEs("CVE-2024-7347").onShare(0.3),
		rpm("libxml2", classSecurity, sevMedium, "2.10.4-1.amzn2023.0.5", "2.10.4-1.amzn2023.0.6").withCVEs("CVE-2024-25062"),
		rpm("dnf", classEnhancement, sevLow, "4.14.0-1.amzn2023.0.4", "4.14.0-1.amzn2023.0.5").archOf("noarch"),
	})
}

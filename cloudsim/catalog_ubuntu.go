package cloudsim

import (
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Ubuntu archive pockets an update comes from.
const (
	pocketSecurity = "security"
	pocketUpdates  = "updates"
)

// deb is a Debian package of an Ubuntu catalog, versions oldest first.
func deb(name, section, priority, pocket string, versions ...string) pkgSpec {
	return pkgSpec{name: name, section: section, priority: priority, pocket: pocket, versions: versions, arch: "amd64"}
}

// ubuntuRelease builds an Ubuntu release whose updates come from the
// codename's -security or -updates pocket.
func ubuntuRelease(now time.Time, product, version, codename string, specs []pkgSpec) *release {
	r := &release{Product: product, OS: fleet.OSUbuntu, OSVersion: version, Platform: "Linux"}
	for _, s := range specs {
		r.Components = append(r.Components, newComponent(s, func(s pkgSpec) *fleet.Patch {
			v := s.versions[len(s.versions)-1]
			id := s.name + ":" + v
			return &fleet.Patch{
				ID: id, Name: s.name, Version: v, Arch: s.arch, OS: fleet.OSUbuntu,
				Priority: s.priority, Section: s.section, Product: product,
				CVEs: s.cves, ReleaseDate: releaseDate(now, id), RequiresReboot: s.reboot,
				Repository: codename + "-" + s.pocket,
			}
		}))
	}
	return r
}

// ubuntuFocal is Ubuntu 20.04 LTS (focal).
func ubuntuFocal(now time.Time) *release {
	return ubuntuRelease(now, ProductUbuntu2004, "20.04", "focal", []pkgSpec{
		deb("openssl", "utils", "Important", pocketSecurity, "1.1.1f-1ubuntu2.20", "1.1.1f-1ubuntu2.22", "1.1.1f-1ubuntu2.23").withCVEs("CVE-2024-5535", "CVE-2024-4741"),
		deb("libssl1.1", "libs", "Important", pocketSecurity, "1.1.1f-1ubuntu2.20", "1.1.1f-1ubuntu2.22", "1.1.1f-1ubuntu2.23").withCVEs("CVE-2024-5535", "CVE-2024-4741"),
		deb("openssh-server", "net", "Optional", pocketSecurity, "1:8.2p1-4ubuntu0.9", "1:8.2p1-4ubuntu0.11").withCVEs("CVE-2023-48795", "CVE-2023-51385"),
		deb("openssh-client", "net", "Standard", pocketSecurity, "1:8.2p1-4ubuntu0.9", "1:8.2p1-4ubuntu0.11").withCVEs("CVE-2023-48795", "CVE-2023-51385"),
		deb("libc6", "libs", "Required", pocketSecurity, "2.31-0ubuntu9.12", "2.31-0ubuntu9.14", "2.31-0ubuntu9.16").withCVEs("CVE-2024-2961", "CVE-2024-33599").rebooting(),
		deb("sudo", "admin", "Important", "", "1.8.31-1ubuntu1.5"),
		deb("curl", "web", "Optional", pocketSecurity, "7.68.0-1ubuntu2.21", "7.68.0-1ubuntu2.22", "7.68.0-1ubuntu2.23").withCVEs("CVE-2024-7264"),
		deb("libcurl4", "libs", "Optional", pocketSecurity, "7.68.0-1ubuntu2.21", "7.68.0-1ubuntu2.22", "7.68.0-1ubuntu2.23").withCVEs("CVE-2024-7264"),
		deb("systemd", "admin", "Important", pocketUpdates, "245.4-4ubuntu3.22", "245.4-4ubuntu3.23", "245.4-4ubuntu3.24").rebooting(),
		deb("linux-image-generic", "kernel", "Optional", pocketSecurity, "5.4.0.174.172", "5.4.0.182.180", "5.4.0.190.188", "5.4.0.193.191").withCVEs("CVE-2024-26925", "CVE-2024-36016", "CVE-2024-39494").rebooting().liveKernel(),
		deb("tzdata", "localization", "Important", pocketUpdates, "2024a-0ubuntu0.20.04", "2024a-0ubuntu0.20.04.1").archOf("all"),
		deb("bash", "shells", "Required", "", "5.0-6ubuntu1.2"),
		deb("vim", "editors", "Optional", pocketSecurity, "2:8.1.2269-1ubuntu5.21", "2:8.1.2269-1ubuntu5.23").withCVEs("CVE-2023-48706"),
		deb("git", "vcs", "Optional", pocketSecurity, "1:2.25.1-1ubuntu3.11", "1:2.25.1-1ubuntu3.12").withCVEs("CVE-2024-32002", "CVE-2024-32004").onShare(0.6),
		deb("python3.8", "python", "Optional", pocketSecurity, "3.8.10-0ubuntu1~20.04.9", "3.8.10-0ubuntu1~20.04.11").withCVEs("CVE-2024-4032"),
		deb("nginx", "httpd", "Optional", pocketSecurity, "1.18.0-0ubuntu1.4", "1.18.0-0ubuntu1.5").withCVEs("CVE-2024-7347").onShare(0.3),
		deb("libexpat1", "libs", "Important", pocketSecurity, "2.2.9-1ubuntu0.6", "2.2.9-1ubuntu0.7").withCVEs("CVE-2024-45490", "CVE-2024-45491"),
		deb("ca-certificates", "misc", "Important", "", "20230311ubuntu0.20.04.1").archOf("all"),
		deb("apt", "admin", "Important", pocketUpdates, "2.0.9", "2.0.10"),
		deb("cloud-init", "admin", "Optional", pocketUpdates, "23.4.4-0ubuntu0~20.04.1", "24.1.3-0ubuntu1~20.04.1").archOf("all"),
	})
}

// ubuntuJammy is Ubuntu 22.04 LTS (jammy).
func ubuntuJammy(now time.Time) *release {
	return ubuntuRelease(now, ProductUbuntu2204, "22.04", "jammy", []pkgSpec{
		deb("openssl", "utils", "Important", pocketSecurity, "3.0.2-0ubuntu1.14", "3.0.2-0ubuntu1.15", "3.0.2-0ubuntu1.16", "3.0.2-0ubuntu1.18").withCVEs("CVE-2024-5535", "CVE-2024-6119"),
		deb("libssl3", "libs", "Important", pocketSecurity, "3.0.2-0ubuntu1.14", "3.0.2-0ubuntu1.15", "3.0.2-0ubuntu1.16", "3.0.2-0ubuntu1.18").withCVEs("CVE-2024-5535", "CVE-2024-6119"),
		deb("openssh-server", "net", "Optional", pocketSecurity, "1:8.9p1-3ubuntu0.6", "1:8.9p1-3ubuntu0.7", "1:8.9p1-3ubuntu0.10").withCVEs("CVE-2024-6387"),
		deb("openssh-client", "net", "Standard", pocketSecurity, "1:8.9p1-3ubuntu0.6", "1:8.9p1-3ubuntu0.7", "1:8.9p1-3ubuntu0.10").withCVEs("CVE-2024-6387"),
		deb("libc6", "libs", "Required", pocketSecurity, "2.35-0ubuntu3.6", "2.35-0ubuntu3.7", "2.35-0ubuntu3.8").withCVEs("CVE-2024-2961", "CVE-2024-33599", "CVE-2024-33600").rebooting(),
		deb("sudo", "admin", "Important", "", "1.9.9-1ubuntu2.4"),
		deb("curl", "web", "Optional", pocketSecurity, "7.81.0-1ubuntu1.15", "7.81.0-1ubuntu1.16", "7.81.0-1ubuntu1.17").withCVEs("CVE-2024-6197", "CVE-2024-7264"),
		deb("libcurl4", "libs", "Optional", pocketSecurity, "7.81.0-1ubuntu1.15", "7.81.0-1ubuntu1.16", "7.81.0-1ubuntu1.17").withCVEs("CVE-2024-6197", "CVE-2024-7264"),
		deb("systemd", "admin", "Important", pocketUpdates, "249.11-0ubuntu3.11", "249.11-0ubuntu3.12").rebooting(),
		deb("linux-image-generic", "kernel", "Optional", pocketSecurity, "5.15.0.102.99", "5.15.0.105.102", "5.15.0.116.116", "5.15.0.119.119").withCVEs("CVE-2024-26925", "CVE-2024-36971", "CVE-2024-38630").rebooting().liveKernel(),
		deb("tzdata", "localization", "Important", pocketUpdates, "2024a-0ubuntu0.22.04", "2024a-0ubuntu0.22.04.1").archOf("all"),
		deb("bash", "shells", "Required", "", "5.1-6ubuntu1.1"),
		deb("vim", "editors", "Optional", pocketSecurity, "2:8.2.3995-1ubuntu2.15", "2:8.2.3995-1ubuntu2.16", "2:8.2.3995-1ubuntu2.17").withCVEs("CVE-2024-22667"),
		deb("git", "vcs", "Optional", pocketSecurity, "1:2.34.1-1ubuntu1.10", "1:2.34.1-1ubuntu1.11").withCVEs("CVE-2024-32002", "CVE-2024-32004", "CVE-2024-32465").onShare(0.6),
		deb("python3.10", "python", "Optional", pocketSecurity, "3.10.12-1~22.04.3", "3.10.12-1~22.04.4", "3.10.12-1~22.04.5").withCVEs("CVE-2024-4032", "CVE-2024-6923"),
		deb("nginx", "httpd", "Optional", pocketSecurity, "1.18.0-6ubuntu14.4", "1.18.0-6ubuntu14.5").withCVEs("CVE-2024-7347").onShare(0.3),
		deb("libexpat1", "libs", "Important", pocketSecurity, "2.4.7-1ubuntu0.3", "2.4.7-1ubuntu0.4").withCVEs("CVE-2024-45490", "CVE-2024-45491", "CVE-2024-45492"),
		deb("ca-certificates", "misc", "Important", "", "20230311ubuntu0.22.04.1").archOf("all"),
		deb("apt", "admin", "Important", pocketUpdates, "2.4.11", "2.4.12", "2.4.13"),
		deb("snapd", "devel", "Optional", pocketUpdates, "2.61.3+22.04", "2.63+22.04"),
		deb("cloud-init", "admin", "Optional", pocketUpdates, "23.4.4-0ubuntu0~22.04.1", "24.1.3-0ubuntu1~22.04.1").archOf("all"),
	})
}

// ubuntuNoble is Ubuntu 24.04 LTS (noble).
func ubuntuNoble(now time.Time) *release {
	return ubuntuRelease(now, ProductUbuntu2404, "24.04", "noble", []pkgSpec{
		deb("openssl", "utils", "Important", pocketSecurity, "3.0.13-0ubuntu3.1", "3.0.13-0ubuntu3.2", "3.0.13-0ubuntu3.4").withCVEs("CVE-2024-5535", "CVE-2024-6119"),
		deb("libssl3t64", "libs", "Important", pocketSecurity, "3.0.13-0ubuntu3.1", "3.0.13-0ubuntu3.2", "3.0.13-0ubuntu3.4").withCVEs("CVE-2024-5535", "CVE-2024-6119"),
		deb("openssh-server", "net", "Optional", pocketSecurity, "1:9.6p1-3ubuntu13", "1:9.6p1-3ubuntu13.4", "1:9.6p1-3ubuntu13.5").withCVEs("CVE-2024-6387", "CVE-2024-6409"),
		deb("openssh-client", "net", "Standard", pocketSecurity, "1:9.6p1-3ubuntu13", "1:9.6p1-3ubuntu13.4", "1:9.6p1-3ubuntu13.5").withCVEs("CVE-2024-6387", "CVE-2024-6409"),
		deb("libc6", "libs", "Required", pocketSecurity, "2.39-0ubuntu8.1", "2.39-0ubuntu8.2", "2.39-0ubuntu8.3").withCVEs("CVE-2024-2961").rebooting(),
		deb("sudo", "admin", "Important", "", "1.9.15p5-3ubuntu5"),
		deb("curl", "web", "Optional", pocketSecurity, "8.5.0-2ubuntu10.1", "8.5.0-2ubuntu10.2", "8.5.0-2ubuntu10.4").withCVEs("CVE-2024-6197", "CVE-2024-7264"),
		deb("libcurl4t64", "libs", "Optional", pocketSecurity, "8.5.0-2ubuntu10.1", "8.5.0-2ubuntu10.2", "8.5.0-2ubuntu10.4").withCVEs("CVE-2024-6197", "CVE-2024-7264"),
		deb("systemd", "admin", "Important", pocketUpdates, "255.4-1ubuntu8", "255.4-1ubuntu8.2", "255.4-1ubuntu8.4").rebooting(),
		deb("linux-image-generic", "kernel", "Optional", pocketSecurity, "6.8.0-31.31", "6.8.0-38.38", "6.8.0-41.41", "6.8.0-45.45").withCVEs("CVE-2024-26925", "CVE-2024-36971", "CVE-2024-41009").rebooting().liveKernel(),
		deb("tzdata", "localization", "Important", pocketUpdates, "2024a-3ubuntu1", "2024a-3ubuntu1.1").archOf("all"),
		deb("bash", "shells", "Required", "", "5.2.21-2ubuntu4"),
		deb("vim", "editors", "Optional", pocketSecurity, "2:9.1.0016-1ubuntu7", "2:9.1.0016-1ubuntu7.2").withCVEs("CVE-2024-41957"),
		deb("git", "vcs", "Optional", pocketSecurity, "1:2.43.0-1ubuntu7", "1:2.43.0-1ubuntu7.1").withCVEs("CVE-2024-32002", "CVE-2024-32004").onShare(0.6),
		deb("python3.12", "python", "Optional", pocketSecurity, "3.12.3-1", "3.12.3-1ubuntu0.1").withCVEs("CVE-2024-4032", "CVE-2024-6923"),
		deb("nginx", "httpd", "Optional", pocketSecurity, "1.24.0-2ubuntu7", "1.24.0-2ubuntu7.1").withCVEs("CVE-2024-7347").onShare(0.3),
		deb("libexpat1", "libs", "Important", pocketSecurity, "2.6.1-2build1", "2.6.1-2ubuntu0.1").withCVEs("CVE-2024-45490", "CVE-2024-45491", "CVE-2024-45492"),
		deb("ca-certificates", "misc", "Important", "", "20240203").archOf("all"),
		deb("apt", "admin", "Important", pocketUpdates, "2.7.14build2", "2.7.14ubuntu0.1"),
		deb("snapd", "devel", "Optional", pocketUpdates, "2.62+24.04build1", "2.63+24.04"),
		deb("cloud-init", "admin", "Optional", pocketUpdates, "24.1.3-0ubuntu3", "24.1.3-0ubuntu3.3").archOf("all"),
	})
}

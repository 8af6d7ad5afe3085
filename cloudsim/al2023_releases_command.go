package cloudsim

import (
	"regexp"
)

// releaseCommandLine is the line of a Linux script that moves an AL2023
// host to a release version; RunCommand carries it out as the host would.
var releaseCommandLine = regexp.MustCompile(`(?m)^\s*dnf upgrade --releasever=(\S+) -y\s*$`)

// releaseScript returns the release version a script moves the host to,
// if it holds a `dnf upgrade --releasever=VERSION -y` line.
func releaseScript(script string) (string, bool) {
	m := releaseCommandLine.FindStringSubmatch(script)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// runRelease carries out a release move sent as a script: the exit code
// and the output the host's script prints, "fleetpatch-release: FROM ->
// TO" (the release versions, as `rpm -q --qf '%{VERSION}' system-release`
// prints them, before and after), or dnf's error for a release version
// the repositories do not have. Callers hold m's lock.
func (f *Fleet) runRelease(m *machine, version string) (int, string) {
	target := releaseIndex(version)
	if target < 0 {
		return 1, "Errors during downloading metadata for repository 'amazonlinux':\n" +
			"Error: Failed to download metadata for repo 'amazonlinux': Cannot download repomd.xml: " +
			"Status code: 404 for releasever " + version
	}
	r := f.moveRelease(m, target)
	if r.Error != "" {
		return 127, "dnf: command not found (" + r.Error + ")"
	}
	return 0, "fleetpatch-release: " + r.From + " -> " + r.To + "\n"
}

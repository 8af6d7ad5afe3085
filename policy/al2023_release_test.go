package policy

import (
	"strings"
	"testing"
)

// approvalLine is the base group file's approval settings.
const approvalLine = "    approval: {approvers: [ops-lead@example.com], keys: ['ops-lead@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILxbKiHkN1G3oe1sQAnntecheTK9+4lx94agcRnptwwh'], timeout: 72h, installStart: window}\n"

// withAL2023 is the base group file as an auto group with an AL2023
// baseline, AL2023 in selector.os and al2023ReleaseVersion set to v (on
// line 18).
func withAL2023(v string) string {
	return strings.Replace(strings.Replace(withAL2023Approval(v), "mode: approval", "mode: auto", 1), approvalLine, "", 1)
}

// withAL2023Approval is withAL2023 with the base file's approval mode.
func withAL2023Approval(v string) string {
	s := strings.Replace(groupFile, "  - {Name: w-1,", "  - {Name: a-1, OperatingSystem: AMAZON_LINUX_2023, ApprovedPatches: [curl]}\n  - {Name: w-1,", 1)
	s = strings.Replace(s, "os: [UBUNTU, WINDOWS]", "os: [UBUNTU, WINDOWS, AMAZON_LINUX_2023]", 1)
	s = strings.Replace(s, "{UBUNTU: u-1, WINDOWS: w-1}", "{UBUNTU: u-1, WINDOWS: w-1, AMAZON_LINUX_2023: a-1}", 1)
	return strings.Replace(s, "    reboot: NoReboot\n", "    reboot: NoReboot\n    al2023ReleaseVersion: '"+v+"'\n", 1)
}

func TestAL2023ReleaseVersionValid(t *testing.T) {
	for _, v := range []string{"latest", "2023.6.20241010", "2023.10.20251203"} {
		p, err := Parse("g.yaml", []byte(withAL2023(v)))
		if err != nil {
			t.Fatalf("%s refused: %v", v, err)
		}
		if got := p.Groups["g"].AL2023ReleaseVersion; got != v {
			t.Fatalf("decoded %q, want %q", got, v)
		}
		s, err := p.Snapshot("g")
		if err != nil || s.Group.AL2023ReleaseVersion != v {
			t.Fatalf("snapshot carries %q (%v), want %q", s.Group.AL2023ReleaseVersion, err, v)
		}
	}
}

func TestAL2023ReleaseVersionRefused(t *testing.T) {
	cases := []struct {
		name, doc string
		want      []string
	}{
		{"not a version", withAL2023("newest"), []string{"g.yaml:18: groups.g.al2023ReleaseVersion:", `"newest" is not latest or an Amazon Linux 2023 release version`}},
		{"AL2 style version", withAL2023("2.0.20241001"), []string{"g.yaml:18: groups.g.al2023ReleaseVersion:", "release version such as 2023.6.20241010"}},
		{"group without AL2023", strings.Replace(groupFile, "    reboot: NoReboot\n", "    reboot: NoReboot\n    al2023ReleaseVersion: latest\n", 1),
			[]string{"g.yaml:17: groups.g.al2023ReleaseVersion:", "only for groups that can meet AMAZON_LINUX_2023"}},
		{"scan-only group", strings.Replace(withAL2023("latest"), "mode: auto", "mode: scan-only", 1),
			[]string{"groups.g.al2023ReleaseVersion:", "only for groups that install"}},
		{"approval group", withAL2023Approval("latest"),
			[]string{"g.yaml:18: groups.g.al2023ReleaseVersion:", "not part of the manifest approvers sign"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, errorLines(t, "g.yaml", c.doc), c.want...)
		})
	}
}

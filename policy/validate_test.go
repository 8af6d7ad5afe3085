package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// baselineFile wraps one baseline (YAML mapping lines, indented by 4) in a
// policy file.
func baselineFile(lines ...string) string {
	return "baselines:\n  - " + strings.TrimPrefix(strings.Join(lines, "\n    "), "") + "\n"
}

const (
	rulesPrefix = "https://docs.aws.amazon.com/systems-manager/latest/APIReference/"
)

func TestValidateBaselineRules(t *testing.T) {
	cases := []struct {
		name string
		// doc cites the documented behaviour the case checks.
		doc   string
		lines []string
		want  []string // fragments of one error line
	}{
		{"unsupported OS", rulesPrefix + "API_CreatePatchBaseline.html (OperatingSystem; fleetpatch supports four)",
			[]string{"Name: b-1", "OperatingSystem: SUSE", "ApprovedPatches: [vim]"},
			[]string{"p.yaml:3: baselines.b-1.OperatingSystem:", `"SUSE" is not one of`}},
		{"name too short", rulesPrefix + "API_CreatePatchBaseline.html (Name: 3 to 128 characters)",
			[]string{"Name: ab", "OperatingSystem: UBUNTU", "ApprovedPatches: [vim]"},
			[]string{"baselines.ab.Name:", "3 to 128"}},
		{"Ubuntu filter key", rulesPrefix + "API_DescribePatchProperties.html (UBUNTU: PRODUCT, PRIORITY)",
			[]string{"Name: u-1", "OperatingSystem: UBUNTU", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: CLASSIFICATION, Values: [Security]}]}}]}"},
			[]string{"p.yaml:4: baselines.u-1.ApprovalRules.PatchRules[0].PatchFilterGroup.PatchFilters[0].Key:", `"CLASSIFICATION" is not a filter key for UBUNTU`}},
		{"Windows filter key", rulesPrefix + "API_PatchFilter.html (Windows keys)",
			[]string{"Name: w-1", "OperatingSystem: WINDOWS", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: SEVERITY, Values: [Critical]}]}, ApproveAfterDays: 1}]}"},
			[]string{"PatchFilters[0].Key:", `"SEVERITY" is not a filter key for WINDOWS`}},
		{"Amazon Linux filter key in GlobalFilters", rulesPrefix + "API_DescribePatchProperties.html (AMAZON_LINUX_2: PRODUCT, CLASSIFICATION, SEVERITY)",
			[]string{"Name: a-1", "OperatingSystem: AMAZON_LINUX_2", "ApprovedPatches: [vim]", "GlobalFilters: {PatchFilters: [{Key: PRIORITY, Values: [Required]}]}"},
			[]string{"baselines.a-1.GlobalFilters.PatchFilters[0].Key:", `"PRIORITY" is not a filter key for AMAZON_LINUX_2`}},
		{"Windows classification value", rulesPrefix + "API_PatchFilter.html (CLASSIFICATION values)",
			[]string{"Name: w-1", "OperatingSystem: WINDOWS", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: CLASSIFICATION, Values: [Security]}]}, ApproveAfterDays: 1}]}"},
			[]string{"PatchFilters[0].Values[0]:", `"Security" is not a CLASSIFICATION value for WINDOWS`}},
		{"MSRC severity value", rulesPrefix + "API_PatchFilter.html (MSRC_SEVERITY values)",
			[]string{"Name: w-1", "OperatingSystem: WINDOWS", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: MSRC_SEVERITY, Values: [High]}]}, ApproveAfterDays: 1}]}"},
			[]string{`"High" is not a MSRC_SEVERITY value for WINDOWS`}},
		{"AL severity value", "https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-linux-rules.html (updateinfo severity)",
			[]string{"Name: a-1", "OperatingSystem: AMAZON_LINUX_2023", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: SEVERITY, Values: [Moderate]}]}, ApproveAfterDays: 1}]}"},
			[]string{`"Moderate" is not a SEVERITY value for AMAZON_LINUX_2023`}},
		{"Ubuntu priority value", rulesPrefix + "API_PatchFilter.html (Ubuntu PRIORITY values)",
			[]string{"Name: u-1", "OperatingSystem: UBUNTU", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: PRIORITY, Values: [Critical]}]}}]}"},
			[]string{`"Critical" is not a PRIORITY value for UBUNTU`}},
		{"five filters", rulesPrefix + "API_PatchFilterGroup.html (Maximum number of 4 items)",
			[]string{"Name: w-1", "OperatingSystem: WINDOWS", "ApprovalRules: {PatchRules: [{ApproveAfterDays: 1, PatchFilterGroup: {PatchFilters: [{Key: PRODUCT, Values: ['*']}, {Key: PRODUCT_FAMILY, Values: ['*']}, {Key: CLASSIFICATION, Values: ['*']}, {Key: MSRC_SEVERITY, Values: ['*']}, {Key: PATCH_SET, Values: [OS]}]}}]}"},
			[]string{"PatchFilterGroup.PatchFilters:", "has 5 filters; AWS allows at most 4"}},
		{"ApproveAfterDays above 360", rulesPrefix + "API_PatchRule.html (Valid Range: 0..360)",
			[]string{"Name: a-1", "OperatingSystem: AMAZON_LINUX_2", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: []}, ApproveAfterDays: 361}]}"},
			[]string{"PatchRules[0].ApproveAfterDays:", "361 is outside 0..360"}},
		{"both delay and date", rulesPrefix + "API_PatchRule.html (ApproveAfterDays or ApproveUntilDate)",
			[]string{"Name: a-1", "OperatingSystem: AMAZON_LINUX_2", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: []}, ApproveAfterDays: 3, ApproveUntilDate: '2026-01-01'}]}"},
			[]string{"PatchRules[0]:", "not both"}},
		{"neither delay nor date", rulesPrefix + "API_PatchRule.html (request must include one of them)",
			[]string{"Name: w-1", "OperatingSystem: WINDOWS", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: []}}]}"},
			[]string{"PatchRules[0]:", "needs ApproveAfterDays or ApproveUntilDate"}},
		{"Ubuntu ApproveAfterDays", rulesPrefix + "API_PatchRule.html (Not supported for Debian Server or Ubuntu Server)",
			[]string{"Name: u-1", "OperatingSystem: UBUNTU", "ApprovalRules:", "  PatchRules:", "    - PatchFilterGroup: {PatchFilters: []}", "      ApproveAfterDays: 7"},
			[]string{"p.yaml:7: baselines.u-1.ApprovalRules.PatchRules[0].ApproveAfterDays:", "not supported for Ubuntu"}},
		{"Ubuntu ApproveUntilDate", rulesPrefix + "API_PatchRule.html (Not supported for Debian Server or Ubuntu Server)",
			[]string{"Name: u-1", "OperatingSystem: UBUNTU", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: []}, ApproveUntilDate: '2026-01-01'}]}"},
			[]string{"PatchRules[0].ApproveUntilDate:", "not supported for Ubuntu"}},
		{"ApproveUntilDate format", rulesPrefix + "API_PatchRule.html (format YYYY-MM-DD)",
			[]string{"Name: w-1", "OperatingSystem: WINDOWS", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: []}, ApproveUntilDate: '2026-13-01'}]}"},
			[]string{"PatchRules[0].ApproveUntilDate:", "YYYY-MM-DD"}},
		{"compliance level", rulesPrefix + "API_PatchRule.html (ComplianceLevel values)",
			[]string{"Name: w-1", "OperatingSystem: WINDOWS", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: []}, ApproveAfterDays: 0, ComplianceLevel: SEVERE}]}"},
			[]string{"PatchRules[0].ComplianceLevel:", `"SEVERE" is not one of`}},
		{"approved patches compliance level", rulesPrefix + "API_CreatePatchBaseline.html (ApprovedPatchesComplianceLevel)",
			[]string{"Name: w-1", "OperatingSystem: WINDOWS", "ApprovedPatches: [KB5031361]", "ApprovedPatchesComplianceLevel: high"},
			[]string{"ApprovedPatchesComplianceLevel:", `"high" is not one of`}},
		{"rejected action", rulesPrefix + "API_CreatePatchBaseline.html (RejectedPatchesAction)",
			[]string{"Name: u-1", "OperatingSystem: UBUNTU", "ApprovedPatches: [vim]", "RejectedPatchesAction: DENY"},
			[]string{"RejectedPatchesAction:", `"DENY" is not ALLOW_AS_DEPENDENCY or BLOCK`}},
		{"EnableNonSecurity on Windows", rulesPrefix + "API_PatchRule.html (EnableNonSecurity: Linux only)",
			[]string{"Name: w-1", "OperatingSystem: WINDOWS", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: []}, ApproveAfterDays: 0, EnableNonSecurity: true}]}"},
			[]string{"PatchRules[0].EnableNonSecurity:", "Linux only"}},
		{"ApprovedPatchesEnableNonSecurity on Windows", rulesPrefix + "API_CreatePatchBaseline.html (Linux only)",
			[]string{"Name: w-1", "OperatingSystem: WINDOWS", "ApprovedPatches: [KB5031361]", "ApprovedPatchesEnableNonSecurity: true"},
			[]string{"ApprovedPatchesEnableNonSecurity:", "Linux only"}},
		{"Sources on Windows", rulesPrefix + "API_PatchSource.html (Linux only)",
			[]string{"Name: w-1", "OperatingSystem: WINDOWS", "ApprovedPatches: [KB5031361]", "Sources: [{Name: mirror, Products: [x], Configuration: y}]"},
			[]string{"baselines.w-1.Sources:", "Linux only"}},
		{"Windows patch name", "https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-approved-rejected-package-name-formats.html (KB and MS IDs)",
			[]string{"Name: w-1", "OperatingSystem: WINDOWS", "ApprovedPatches: [KB5031361, MS10-048, openssl]"},
			[]string{"ApprovedPatches[2]:", `"openssl" is not a Windows KB ID`}},
		{"AL rejected takes no CVE", "https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-approved-rejected-package-name-formats.html (rejected: package names)",
			[]string{"Name: a-1", "OperatingSystem: AMAZON_LINUX_2023", "ApprovedPatches: [CVE-2026-1234, ALAS2023-2025-123, 1234567, dbus-1:1.12.28-1.amzn2023.0.1.x86_64]", "RejectedPatches: [CVE-2026-1234, 'kernel**']"},
			[]string{"RejectedPatches[1]:", `"kernel**" is not a package name`}},
		{"Ubuntu uppercase package", "https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-approved-rejected-package-name-formats.html (Debian/Ubuntu package names)",
			[]string{"Name: u-1", "OperatingSystem: UBUNTU", "ApprovedPatches: [openssl, 'openssl:3.0.2-0ubuntu1.18']", "RejectedPatches: ['linux-image-*', Linux-Image]"},
			[]string{"RejectedPatches[1]:", `"Linux-Image" is not an Ubuntu package name`}},
		{"approves nothing", "fleetpatch rule: a baseline without rules or approved patches is an error (docs/policy.md)",
			[]string{"Name: u-1", "OperatingSystem: UBUNTU", "RejectedPatches: [vim]"},
			[]string{"p.yaml:2: baselines.u-1:", "approves nothing"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Logf("documented: %s", c.doc)
			wantError(t, errorLines(t, "p.yaml", baselineFile(c.lines...)), c.want...)
		})
	}
}

// Valid baselines of each OS produce no error.
func TestValidateBaselineValidPerOS(t *testing.T) {
	for _, doc := range []string{
		baselineFile("Name: u-1", "OperatingSystem: UBUNTU", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: PRIORITY, Values: [Required, Important]}, {Key: SECTION, Values: ['*']}]}, EnableNonSecurity: true}]}", "RejectedPatches: ['linux-image-*']"),
		baselineFile("Name: a-2", "OperatingSystem: AMAZON_LINUX_2", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: CLASSIFICATION, Values: [Security]}, {Key: SEVERITY, Values: [Critical]}]}, ApproveAfterDays: 360}]}", "Sources: [{Name: mirror, Products: [AmazonLinux2], Configuration: '[m]'}]"),
		baselineFile("Name: a-23", "OperatingSystem: AMAZON_LINUX_2023", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: []}, ApproveUntilDate: '2026-02-28'}]}", "RejectedPatches: ['kernel*', 'dbus.x86_64']"),
		baselineFile("Name: w-1", "OperatingSystem: WINDOWS", "ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: CLASSIFICATION, Values: [SecurityUpdates]}, {Key: MSRC_SEVERITY, Values: [Critical]}, {Key: PRODUCT, Values: [WindowsServer2022]}, {Key: PRODUCT_FAMILY, Values: [Windows]}]}, ApproveAfterDays: 0}]}", "RejectedPatches: [KB5031361]", "AvailableSecurityUpdatesComplianceStatus: NON_COMPLIANT"),
	} {
		if lines := errorLines(t, "p.yaml", doc); lines != nil {
			t.Errorf("valid baseline rejected:\n%s\n%s", doc, strings.Join(lines, "\n"))
		}
	}
}

func TestValidateWindowsAndTargets(t *testing.T) {
	cases := []struct {
		name, doc string
		want      []string
	}{
		{"cron and calendar", "windows:\n  - name: w\n    cron: '0 1 * * *'\n    calendar: {at: '01:00'}\n    duration: 1h\n", []string{"p.yaml:2: windows.w:", "not both"}},
		{"no schedule", "windows:\n  - name: w\n    duration: 1h\n", []string{"windows.w:", "needs a cron or a calendar"}},
		{"cron six fields", "windows:\n  - name: w\n    cron: '0 0 1 * * *'\n    duration: 1h\n", []string{"p.yaml:3: windows.w.cron:", "6 fields; want 5"}},
		{"cron bad field", "windows:\n  - name: w\n    cron: '0 25 * * *'\n    duration: 1h\n", []string{"windows.w.cron:", "does not parse"}},
		{"calendar bad day", "windows:\n  - name: w\n    calendar: {days: [FUN], at: '01:00'}\n    duration: 1h\n", []string{"windows.w.calendar:", `day "FUN"`}},
		{"never opens", "windows:\n  - name: w\n    cron: '0 1 31 2 *'\n    duration: 1h\n", []string{"windows.w.cron:", "never opens"}},
		{"time zone", "windows:\n  - name: w\n    cron: '0 1 * * *'\n    timeZone: Mars/Olympus\n    duration: 1h\n", []string{"p.yaml:4: windows.w.timeZone:", "IANA"}},
		{"duration too long", "windows:\n  - name: w\n    cron: '0 1 * * *'\n    duration: 8d\n", []string{"windows.w.duration:", "8d is longer than the maximum of 7d"}},
		{"bad duration", "windows:\n  - name: w\n    cron: '0 1 * * *'\n    duration: soon\n", []string{"p.yaml:4: windows.w.duration:", `"soon" is not a duration`}},
		{"cutoff not shorter", "windows:\n  - name: w\n    cron: '0 1 * * *'\n    duration: 1h\n    cutoff: 60m\n", []string{"windows.w.cutoff:", "1h must be shorter than the duration 1h"}},
		{"jitter not shorter", "windows:\n  - name: w\n    cron: '0 1 * * *'\n    duration: 1h\n    jitter: 2h\n", []string{"windows.w.jitter:", "shorter than the duration"}},
		{"account id", "targets:\n  aws:\n    - id: '12345'\n      regions: [eu-west-1]\n", []string{"p.yaml:3: targets.aws[0].id:", "12-digit"}},
		{"role arn", "targets:\n  aws:\n    - id: '111111111111'\n      roleArn: arn:aws:iam::111111111111:user/bob\n      regions: [eu-west-1]\n", []string{"p.yaml:4: targets.aws[0].roleArn:", "not an IAM role ARN"}},
		{"role in other account", "targets:\n  aws:\n    - id: '111111111111'\n      roleArn: arn:aws-us-gov:iam::222222222222:role/x\n      regions: [us-gov-west-1]\n", []string{"targets.aws[0].roleArn:", "account 222222222222"}},
		{"no regions", "targets:\n  aws:\n    - id: '111111111111'\n", []string{"targets.aws[0].regions:", "at least one region"}},
		{"bad region", "targets:\n  aws:\n    - id: '111111111111'\n      regions: [eu-west-1, Europe]\n", []string{"targets.aws[0].regions[1]:", `"Europe" is not an AWS region`}},
		{"duplicate account", "targets:\n  aws:\n    - {id: '111111111111', regions: [eu-west-1]}\n    - {id: '111111111111', regions: [eu-west-1]}\n", []string{"p.yaml:4: targets.aws[1].id:", "listed twice"}},
		{"subscription guid", "targets:\n  azure:\n    - id: my-subscription\n", []string{"p.yaml:3: targets.azure[0].id:", "GUID"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, errorLines(t, "p.yaml", c.doc), c.want...)
		})
	}
}

// groupFile is a valid policy with one group; edit replaces text in the
// group to break one rule at a time.
const groupFile = `baselines:
  - {Name: u-1, OperatingSystem: UBUNTU, ApprovedPatches: [vim]}
  - {Name: w-1, OperatingSystem: WINDOWS, ApprovedPatches: [KB5031361]}
windows:
  - {name: scan, cron: "0 1 * * SUN", duration: 2h}
  - {name: install, cron: "0 3 * * SUN", duration: 4h}
targets:
  aws: [{id: "111111111111", regions: [eu-west-1]}]
groups:
  - name: g
    selector:
      tags: {PatchGroup: g}
      os: [UBUNTU, WINDOWS]
    baselines: {UBUNTU: u-1, WINDOWS: w-1}
    mode: approval
    reboot: NoReboot
    rollout: {canary: 1, maxConcurrency: 10%, maxErrors: 5%}
    approval: {approvers: [ops-lead@example.com], keys: ['ops-lead@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILxbKiHkN1G3oe1sQAnntecheTK9+4lx94agcRnptwwh'], timeout: 72h, installStart: window}
    windows: {scan: scan, install: install}
    reports: [{type: file, path: reports}]
`

func TestValidateGroups(t *testing.T) {
	if lines := errorLines(t, "g.yaml", groupFile); lines != nil {
		t.Fatalf("base group file invalid:\n%s", strings.Join(lines, "\n"))
	}
	cases := []struct {
		name, old, new string
		want           []string
	}{
		{"mode", "mode: approval", "mode: yolo", []string{"g.yaml:15: groups.g.mode:", `"yolo" is not auto, approval or scan-only`}},
		{"reboot", "reboot: NoReboot", "reboot: Always", []string{"g.yaml:16: groups.g.reboot:", `"Always"`}},
		{"max errors over 100%", "maxErrors: 5%", "maxErrors: 150%", []string{"g.yaml:17: groups.g.rollout.maxErrors:", `"150%" is not a count or a percentage up to 100%`}},
		{"canary zero", "canary: 1", "canary: 0", []string{"groups.g.rollout.canary:", "at least 1"}},
		{"approval missing", "    approval: {approvers: [ops-lead@example.com], keys: ['ops-lead@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILxbKiHkN1G3oe1sQAnntecheTK9+4lx94agcRnptwwh'], timeout: 72h, installStart: window}\n", "", []string{"groups.g.approval:", "required for mode approval"}},
		{"approval on auto", "mode: approval", "mode: auto", []string{"groups.g.approval:", "only for mode approval"}},
		{"approver not e-mail", "[ops-lead@example.com]", "[ops-lead]", []string{"groups.g.approval.approvers[0]:", "not an e-mail"}},
		{"approval timeout", "timeout: 72h", "timeout: 0", []string{"groups.g.approval.timeout:", "longer than 0"}},
		{"install start", "installStart: window", "installStart: later", []string{"groups.g.approval.installStart:", `"later"`}},
		{"approver without a key", "keys: ['ops-lead@example.com", "keys: ['sre@example.com", []string{"groups.g.approval.approvers[0]:", `"ops-lead@example.com" has no public key`}},
		{"key type", "ops-lead@example.com ssh-ed25519", "ops-lead@example.com ssh-dss", []string{"groups.g.approval.keys[0]:", "no public key after the principals"}},
		{"key pattern", "keys: ['ops-lead@example.com", "keys: ['*@example.com", []string{"groups.g.approval.keys[0]:", "is a pattern"}},
		{"two-person rule with one approver", "timeout: 72h", "required: 2, timeout: 72h", []string{"groups.g.approval.required:", "2 approvals needed but only 1 approvers listed"}},
		{"approval and window longer than a week", "timeout: 72h", "timeout: 7d", []string{"groups.g.approval.timeout:", "plus the install window's 4h0m0s is more than a week"}},
		{"bake", "maxErrors: 5%}", "maxErrors: 5%, bake: 2d}", []string{"groups.g.rollout.bake:", "at most 24h"}},
		{"gate type", "maxErrors: 5%}", "maxErrors: 5%, healthGates: [{type: ping}]}", []string{"groups.g.rollout.healthGates[0].type:", `"ping" is not agent, http, tcp, command or alarm`}},
		{"http gate url", "maxErrors: 5%}", "maxErrors: 5%, healthGates: [{type: http, url: 'ftp://x'}]}", []string{"groups.g.rollout.healthGates[0].url:", "is not an http(s) URL"}},
		{"alarm gate", "maxErrors: 5%}", "maxErrors: 5%, healthGates: [{type: alarm, cloud: aws, name: x}]}", []string{"groups.g.rollout.healthGates[0].account:", "is required for alarm gates"}},
		{"command gate", "maxErrors: 5%}", "maxErrors: 5%, healthGates: [{type: command}]}", []string{"groups.g.rollout.healthGates[0]:", "needs a linux or a windows script"}},
		{"allowed signers file missing", "timeout: 72h", "allowedSigners: nowhere.allowed_signers, timeout: 72h", []string{"groups.g.approval.allowedSigners:", "cannot read the allowed_signers file"}},
		{"scan window missing", "{scan: scan, install: install}", "{scan: nightly, install: install}", []string{"groups.g.windows.scan:", `window "nightly" is not defined`}},
		{"install window required", "{scan: scan, install: install}", "{scan: scan}", []string{"groups.g.windows.install:", "required unless mode is scan-only"}},
		{"baseline missing", "WINDOWS: w-1}", "WINDOWS: w-2}", []string{"groups.g.baselines.WINDOWS:", `baseline "w-2" is not defined`}},
		{"baseline wrong OS", "WINDOWS: w-1}", "WINDOWS: u-1}", []string{"groups.g.baselines.WINDOWS:", "is for UBUNTU, not WINDOWS"}},
		{"OS without baseline", "os: [UBUNTU, WINDOWS]", "os: [UBUNTU, WINDOWS, AMAZON_LINUX_2]", []string{"groups.g.baselines:", "needs a baseline for AMAZON_LINUX_2 (selector.os lists it)"}},
		{"no OS restriction needs all four", "      os: [UBUNTU, WINDOWS]\n", "", []string{"groups.g.baselines:", "needs a baseline for AMAZON_LINUX_2023 (selector.os is empty"}},
		{"empty selector", "      tags: {PatchGroup: g}\n", "", []string{"groups.g.selector.tags:", "select every instance"}},
		{"unknown account", "tags: {PatchGroup: g}", "tags: {PatchGroup: g}\n      accounts: ['999999999999']", []string{"groups.g.selector.accounts[0]:", "not an AWS account or Azure subscription in targets"}},
		{"report type", "{type: file, path: reports}", "{type: ftp, path: reports}", []string{"groups.g.reports[0].type:", `"ftp" is not file, s3 or azblob`}},
		{"report s3 bucket", "{type: file, path: reports}", "{type: s3, bucket: B}", []string{"groups.g.reports[0].bucket:", "S3 bucket"}},
		{"report azblob", "{type: file, path: reports}", "{type: azblob, accountUrl: 'http://x', container: reports}", []string{"groups.g.reports[0].accountUrl:", "blob service URL"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(groupFile, c.old) {
				t.Fatalf("base file has no %q", c.old)
			}
			wantError(t, errorLines(t, "g.yaml", strings.Replace(groupFile, c.old, c.new, 1)), c.want...)
		})
	}
}

// A scan-only group needs neither an install window nor a rollout.
func TestValidateScanOnlyGroup(t *testing.T) {
	doc := strings.NewReplacer(
		"mode: approval", "mode: scan-only",
		"    approval: {approvers: [ops-lead@example.com], keys: ['ops-lead@example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILxbKiHkN1G3oe1sQAnntecheTK9+4lx94agcRnptwwh'], timeout: 72h, installStart: window}\n", "",
		"{scan: scan, install: install}", "{scan: scan}",
		"    rollout: {canary: 1, maxConcurrency: 10%, maxErrors: 5%}\n", "",
	).Replace(groupFile)
	if lines := errorLines(t, "g.yaml", doc); lines != nil {
		t.Errorf("scan-only group rejected:\n%s", strings.Join(lines, "\n"))
	}
}

// An allowed_signers file is read relative to the policy file that names
// it; its lines for the group's approvers become the group's keys, and a
// bad line is reported at its own file and line.
func TestAllowedSignersFile(t *testing.T) {
	dir := t.TempDir()
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIV7qKd6Kj1oVS+iMuXXN0lBX5ezjVyZS0nJmMx3ePR3"
	file := strings.Replace(groupFile, "timeout: 72h", "allowedSigners: team.allowed_signers, timeout: 72h", 1)
	file = strings.Replace(file, "[ops-lead@example.com]", "[ops-lead@example.com, sre@example.com]", 1)
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("g.yaml", file)
	write("team.allowed_signers", "# team\nsre@example.com "+key+" yubikey\nsomeone-else@example.com "+key+"\n")
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	keys := p.Groups["g"].Approval.Keys
	if len(keys) != 2 || keys[1] != "sre@example.com "+key+" yubikey" {
		t.Fatalf("keys = %q, want the inline key and sre's line only", keys)
	}
	write("team.allowed_signers", "sre@example.com "+key+"\nsre@example.com ssh-ed25519 AAAAnotbase64\n")
	_, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "team.allowed_signers")+":2: groups.g.approval.allowedSigners:") {
		t.Fatalf("error = %v, want one at team.allowed_signers:2", err)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fleetpatch/fleetpatch/policy"
)

const (
	awsBaseline = "../policy/testdata/aws-get-patch-baseline.json"
	patchesFile = "../policy/testdata/patches.json"
)

func TestBaselineExplainText(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"baseline", "explain", "--baseline", awsBaseline, "--patches", patchesFile, "--at", "2026-11-20T10:00:00Z"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 7 {
		t.Fatalf("want header + 6 patches, got:\n%s", out.String())
	}
	// The table is aligned: every row's DECISION column starts where the
	// header's does.
	col := strings.Index(lines[0], "DECISION")
	for _, want := range []struct{ id, decision, rest string }{
		{"openssl-libs:1:3.0.8-1.amzn2023.0.15", "approved", "7-day delay elapsed on 2026-11-17"},
		{"curl:8.5.0-1.amzn2023.0.5", "pending-approval-delay", "7-day delay ends on 2026-11-25"},
		{"kernel:6.1.112-122.189.amzn2023", "rejected", "RejectedPatchesAction BLOCK"},
		{"vim-minimal:2:9.0.2153-1.amzn2023.0.2", "not-selected", "after ApproveUntilDate 2026-06-30"},
		{"tzdata:2026b-1.amzn2023", "not-selected", "CLASSIFICATION is Enhancement"},
		{"python3:3.9.16-1.amzn2.0.9", "filtered-out", "GlobalFilters"},
	} {
		found := false
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, want.id+" ") {
				found = true
				if !strings.HasPrefix(l[col:], want.decision+" ") || !strings.Contains(l, want.rest) {
					t.Errorf("row %q: want %s ... %s", l, want.decision, want.rest)
				}
			}
		}
		if !found {
			t.Errorf("no row for %s", want.id)
		}
	}
}

func TestBaselineExplainJSONFromPolicy(t *testing.T) {
	var out, errb bytes.Buffer
	// Flags after the command, in any order, policy + name form.
	code := run([]string{"baseline", "explain", "--output", "json", "--patches", patchesFile,
		"--policy", examplePolicyDir, "--name", "al2023-auto", "--at", "2026-11-20T10:00:00Z"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	var ds []policy.Decision
	if err := json.Unmarshal(out.Bytes(), &ds); err != nil {
		t.Fatalf("not JSON []Decision: %v\n%s", err, out.String())
	}
	if len(ds) != 6 || ds[0].Verdict != policy.Approved || ds[0].ComplianceLevel != "CRITICAL" {
		t.Errorf("decisions = %+v", ds)
	}
	// al2023-auto does not reject kernels: after 7 days an Important
	// security kernel is approved.
	if ds[2].Verdict != policy.Approved {
		t.Errorf("kernel under al2023-auto = %+v", ds[2])
	}
}

func TestBaselineExplainBadInput(t *testing.T) {
	dir := t.TempDir()
	badJSON := filepath.Join(dir, "patches.json")
	_ = os.WriteFile(badJSON, []byte(`[{"id": "x", "os": "UBUNTU", "colour": "red"}]`), 0o644)
	noID := filepath.Join(dir, "noid.json")
	_ = os.WriteFile(noID, []byte(`[{"name": "x", "os": "UBUNTU"}]`), 0o644)
	badBaseline := filepath.Join(dir, "b.json")
	_ = os.WriteFile(badBaseline, []byte(`{"Name": "bad-one", "OperatingSystem": "UBUNTU",
  "ApprovalRules": {"PatchRules": [{"PatchFilterGroup": {"PatchFilters": []}, "ApproveAfterDays": 7}]}}`), 0o644)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown patch field", []string{"--baseline", awsBaseline, "--patches", badJSON}, badJSON + `: not a JSON array of patches: json: unknown field "colour"`},
		{"patch without id", []string{"--baseline", awsBaseline, "--patches", noID}, noID + ": patch [0] needs an id and an os"},
		{"invalid baseline", []string{"--baseline", badBaseline, "--patches", patchesFile}, badBaseline + ":2: baselines.bad-one.ApprovalRules.PatchRules[0].ApproveAfterDays: is not supported for Ubuntu"},
		{"missing baseline file", []string{"--baseline", filepath.Join(dir, "none.json"), "--patches", patchesFile}, "none.json"},
		{"bad time", []string{"--baseline", awsBaseline, "--patches", patchesFile, "--at", "tomorrow"}, `--at "tomorrow" is not an RFC3339 time`},
		{"both sources", []string{"--baseline", awsBaseline, "--policy", examplePolicyDir, "--patches", patchesFile}, "either --baseline FILE or --policy PATH --name NAME"},
		{"unknown name", []string{"--policy", examplePolicyDir, "--name", "nope", "--patches", patchesFile}, `no baseline named "nope"`},
		{"bad output", []string{"--baseline", awsBaseline, "--patches", patchesFile, "--output", "xml"}, "--output must be text or json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(append([]string{"baseline", "explain"}, c.args...), &out, &errb)
			if code != 1 || !strings.Contains(errb.String(), c.want) {
				t.Errorf("exit %d, stderr %q; want 1 and %q", code, errb.String(), c.want)
			}
			if strings.Count(strings.TrimSpace(errb.String()), "\n") != 0 {
				t.Errorf("want one error line, got %q", errb.String())
			}
		})
	}
}

// --group evaluates each patch with the group's baseline for its OS and
// then the group's minPatchAge (fleetpatch's soak time, which also covers
// Ubuntu, whose rules AWS refuses an ApproveAfterDays:
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PatchRule.html).
func TestBaselineExplainGroupMinPatchAge(t *testing.T) {
	dir := t.TempDir()
	pol := filepath.Join(dir, "policy.yaml")
	_ = os.WriteFile(pol, []byte(`baselines:
  - Name: ubuntu-security
    OperatingSystem: UBUNTU
    ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: PRIORITY, Values: ["*"]}]}}]}
  - Name: al2023-all
    OperatingSystem: AMAZON_LINUX_2023
    ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: CLASSIFICATION, Values: ["*"]}]}, ApproveAfterDays: 0}]}
windows:
  - {name: scan, cron: "0 1 * * SUN", duration: 2h}
  - {name: install, cron: "0 3 * * SUN", duration: 4h}
targets:
  aws: [{id: "111111111111", regions: [eu-west-1]}]
groups:
  - name: soak
    selector: {tags: {PatchGroup: soak}, os: [UBUNTU, AMAZON_LINUX_2023]}
    baselines: {UBUNTU: ubuntu-security, AMAZON_LINUX_2023: al2023-all}
    minPatchAge: 3d
    mode: auto
    reboot: RebootIfNeeded
    rollout: {canary: 1, maxConcurrency: 10%, maxErrors: 1}
    windows: {scan: scan, install: install}
`), 0o644)
	patches := filepath.Join(dir, "patches.json")
	_ = os.WriteFile(patches, []byte(`[
  {"id": "openssl:3.0.2-0ubuntu1.19", "name": "openssl", "os": "UBUNTU", "priority": "Important", "repository": "jammy-security", "releaseDate": "2026-11-19T00:00:00Z"},
  {"id": "curl:7.81.0-1ubuntu1.19", "name": "curl", "os": "UBUNTU", "priority": "Important", "repository": "jammy-security", "releaseDate": "2026-11-10T00:00:00Z"},
  {"id": "systemd:252.23-2.amzn2023", "name": "systemd", "os": "AMAZON_LINUX_2023", "classification": "Bugfix", "severity": "Low", "advisory": "ALAS2023-2026-1001", "releaseDate": "2026-11-19T00:00:00Z"},
  {"id": "amazon-ssm-agent:3.3.808.0-1.amzn2023", "name": "amazon-ssm-agent", "os": "AMAZON_LINUX_2023", "releaseDate": "2026-11-01T00:00:00Z"},
  {"id": "KB5041160", "kb": "KB5041160", "os": "WINDOWS", "classification": "SecurityUpdates"}
]`), 0o644)
	var out, errb bytes.Buffer
	code := run([]string{"baseline", "explain", "--policy", pol, "--group", "soak", "--patches", patches, "--at", "2026-11-20T10:00:00Z"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := out.String()
	for _, want := range []string{
		"group soak: its baseline for each patch's OS, then minPatchAge 3d",
		"openssl:3.0.2-0ubuntu1.19",
		"pending-min-patch-age  minPatchAge",
		"released 2026-11-19, younger than the group's minPatchAge 3d: installable from 2026-11-22",
		"older than the group's minPatchAge 3d since 2026-11-13",
		"in no update notice (updateinfo.xml), so it is not a security update and EnableNonSecurity is false",
		`group "soak" names no baseline for WINDOWS`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	// The Bugfix notice is approved by the baseline and held by the group.
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "systemd:") && !strings.Contains(l, "pending-min-patch-age") {
			t.Errorf("systemd row: %s", l)
		}
	}

	var bad bytes.Buffer
	if code := run([]string{"baseline", "explain", "--policy", pol, "--group", "nope", "--patches", patches}, &out, &bad); code != 1 || !strings.Contains(bad.String(), `no group "nope"`) {
		t.Errorf("unknown group: exit %d, %q", code, bad.String())
	}
	bad.Reset()
	if code := run([]string{"baseline", "explain", "--baseline", awsBaseline, "--group", "soak", "--patches", patches}, &out, &bad); code != 1 || !strings.Contains(bad.String(), "--group needs --policy") {
		t.Errorf("--group with --baseline: exit %d, %q", code, bad.String())
	}
}

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const examplePolicyDir = "../deployments/examples/policy"

func TestPolicyValidateExample(t *testing.T) {
	var out, errb bytes.Buffer
	code := run([]string{"policy", "validate", examplePolicyDir}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
	}
	s := out.String()
	for _, want := range []string{
		"valid (4 files): 4 groups, 12 baselines, 3 windows, 3 AWS accounts, 2 Azure subscriptions",
		"prod-sensitive  approval  NoReboot",
		"windows=windows-sensitive",
		"on-demand-sensitive  TUE,WED,THU 10:00  Europe/Berlin  6h",
		"aws   111111111111  eu-west-1,us-east-1",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if n := strings.Count(s, "\n"); n > 40 {
		t.Errorf("summary is %d lines; want one screen", n)
	}
}

// copyExample copies the example policy into a temp folder and applies
// replacements per file.
func copyExample(t *testing.T, edits map[string][][2]string) string {
	t.Helper()
	dir := t.TempDir()
	files, _ := filepath.Glob(filepath.Join(examplePolicyDir, "*"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := string(data)
		for _, e := range edits[filepath.Base(f)] {
			if !strings.Contains(s, e[0]) {
				t.Fatalf("%s has no %q", f, e[0])
			}
			s = strings.Replace(s, e[0], e[1], 1)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// lineOf returns the 1-based line of the first occurrence of s in file.
func lineOf(t *testing.T, file, s string) int {
	t.Helper()
	data, _ := os.ReadFile(file)
	i := strings.Index(string(data), s)
	if i < 0 {
		t.Fatalf("%s has no %q", file, s)
	}
	return strings.Count(string(data[:i]), "\n") + 1
}

func TestPolicyValidateBrokenExample(t *testing.T) {
	dir := copyExample(t, map[string][][2]string{
		"groups.yaml": {
			{"rollout: {canary: 1, maxConcurrency: 10%, maxErrors: 5%}", "rollout: {canary: 1, maxConcurrency: 10%, maxErrors: 150%}"},
			{"install: on-demand-sensitive}", "install: on-demand}"},
		},
		"baselines.yaml": {
			{"          ApproveAfterDays: 7\n          ComplianceLevel: CRITICAL", "          ApproveAfterDays: 400\n          ComplianceLevel: CRITICAL"},
			{"          ComplianceLevel: HIGH\n          EnableNonSecurity: false", "          ComplianceLevel: HIGH\n          ApproveAfterDays: 3"},
		},
		"windows.yaml": {{`cron: "0 3 * * SUN"`, `cron: "0 3 * SUN"`}},
		"targets.yaml": {{"arn:aws:iam::222222222222:role/fleetpatch-target", "arn:aws:iam::22222222222:role/fleetpatch-target"}},
	})
	var out, errb bytes.Buffer
	code := run([]string{"policy", "validate", dir}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1; stdout:\n%s", code, out.String())
	}
	g, b, w, tg := filepath.Join(dir, "groups.yaml"), filepath.Join(dir, "baselines.yaml"), filepath.Join(dir, "windows.yaml"), filepath.Join(dir, "targets.yaml")
	want := []string{
		g + ":" + strconv.Itoa(lineOf(t, g, "maxErrors: 150%")) + `: groups.prod-auto.rollout.maxErrors: "150%" is not a count or a percentage up to 100%`,
		g + ":" + strconv.Itoa(lineOf(t, g, "install: on-demand}")) + `: groups.prod-sensitive.windows.install: window "on-demand" is not defined`,
		b + ":" + strconv.Itoa(lineOf(t, b, "ApproveAfterDays: 400")) + ": baselines.al2-auto.ApprovalRules.PatchRules[0].ApproveAfterDays: 400 is outside 0..360",
		b + ":" + strconv.Itoa(lineOf(t, b, "ApproveAfterDays: 3")) + ": baselines.ubuntu-sensitive.ApprovalRules.PatchRules[0].ApproveAfterDays: is not supported for Ubuntu",
		w + ":" + strconv.Itoa(lineOf(t, w, `cron: "0 3 * SUN"`)) + `: windows.weekly-install-auto.cron: "0 3 * SUN" has 4 fields; want 5`,
		tg + ":" + strconv.Itoa(lineOf(t, tg, "arn:aws:iam::22222222222")) + `: targets.aws[1].roleArn: "arn:aws:iam::22222222222:role/fleetpatch-target" is not an IAM role ARN`,
	}
	got := errb.String()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("stderr lacks\n  %s\ngot:\n%s", w, got)
		}
	}
	if !strings.Contains(got, dir+": 6 error(s)") {
		t.Errorf("want exactly 6 errors, got:\n%s", got)
	}
	if out.Len() != 0 {
		t.Errorf("stdout not empty on failure: %s", out.String())
	}
}

func TestPolicyValidateUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"policy", "validate"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "Usage: starter policy validate PATH") {
		t.Errorf("no PATH: exit %d, stderr %q", code, errb.String())
	}
	errb.Reset()
	if code := run([]string{"policy", "validate", "/no/such/dir"}, &out, &errb); code != 1 || !strings.Contains(errb.String(), "/no/such/dir") {
		t.Errorf("missing path: exit %d, stderr %q", code, errb.String())
	}
}

package policy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/fleetpatch/fleetpatch/fleet"
	"gopkg.in/yaml.v3"
)

const examplePolicy = "../deployments/examples/policy"

func TestLoadExamplePolicy(t *testing.T) {
	p, err := Load(examplePolicy)
	if err != nil {
		t.Fatalf("example policy does not validate:\n%v", err)
	}
	if got := len(p.Files()); got != 4 {
		t.Errorf("files = %d, want 4 (baselines, groups, targets, windows)", got)
	}
	for _, g := range []string{"prod-sensitive", "prod-auto", "jump-log", "nonprod"} {
		if _, err := p.Group(g); err != nil {
			t.Errorf("Group(%q): %v", g, err)
		}
	}
	g, _ := p.Group("prod-auto")
	if g.Rollout.MaxConcurrency != (Amount{Percent: 10, IsPercent: true}) || g.Rollout.MaxErrors.String() != "5%" || g.Rollout.Canary.Count != 1 {
		t.Errorf("prod-auto rollout = %+v", g.Rollout)
	}
	if pos, ok := p.Position("groups.prod-auto.mode"); !ok || filepath.Base(pos.File) != "groups.yaml" || pos.Line == 0 {
		t.Errorf("Position(groups.prod-auto.mode) = %+v, %v", pos, ok)
	}
	if _, err := p.Group("nope"); err == nil {
		t.Error("Group(nope) = nil error")
	}
}

// The same policy in YAML and in JSON loads to the same value: JSON is
// parsed as YAML, so both get line numbers and strict keys.
func TestLoadJSONAndYAMLAgree(t *testing.T) {
	yml := `
windows:
  - name: w
    cron: "0 1 * * SUN"
    duration: 1d12h
baselines:
  - Name: ubuntu-1
    OperatingSystem: UBUNTU
    ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: [{Key: PRIORITY, Values: [Required]}]}}]}
`
	js := `{
  "windows": [{"name": "w", "cron": "0 1 * * SUN", "duration": "1d12h"}],
  "baselines": [{"Name": "ubuntu-1", "OperatingSystem": "UBUNTU",
    "ApprovalRules": {"PatchRules": [{"PatchFilterGroup": {"PatchFilters": [{"Key": "PRIORITY", "Values": ["Required"]}]}}]}}]
}`
	a, err := Parse("p.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse("p.json", []byte(js))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Baselines, b.Baselines) || !reflect.DeepEqual(a.Windows, b.Windows) {
		t.Errorf("YAML and JSON differ:\n%+v\n%+v", a.Windows["w"], b.Windows["w"])
	}
	if got := a.Windows["w"].Duration.D().Hours(); got != 36 {
		t.Errorf("duration 1d12h = %vh, want 36h", got)
	}
}

func TestLoadFolderMergesAndRejectsDuplicates(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", "windows:\n  - {name: w1, cron: \"0 1 * * *\", duration: 1h}\ntargets:\n  aws: [{id: \"111111111111\", regions: [eu-west-1]}]\n")
	write("b.json", `{"windows": [{"name": "w2", "cron": "0 2 * * *", "duration": "1h"}], "targets": {"aws": [{"id": "222222222222", "regions": ["us-east-1"]}]}}`)
	write("notes.txt", "ignored: not a policy file")
	p, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Windows) != 2 || len(p.Targets.AWS) != 2 {
		t.Fatalf("merged %d windows and %d accounts, want 2 and 2", len(p.Windows), len(p.Targets.AWS))
	}

	write("c.yml", "windows:\n  - {name: w1, cron: \"0 3 * * *\", duration: 1h}\n")
	_, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), "c.yml:2: windows.w1: window \"w1\" is defined twice (first at "+filepath.Join(dir, "a.yaml")+":2)") {
		t.Errorf("duplicate across files: got %v", err)
	}
}

// Unknown keys are errors with the key's line; every error in the file is
// reported in one go, in line order.
func TestLoadUnknownKeysAllErrorsAtOnce(t *testing.T) {
	data := `windows:
  - name: w
    cron: "0 1 * * *"
    duraton: 1h
groups:
  - name: g
    Mode: auto
baselines:
  - Name: b1
    OperatingSystem: UBUNTU
    ApprovalRule: {}
flavour: vanilla
`
	lines := errorLines(t, "p.yaml", data)
	want := []string{
		`p.yaml:4: windows.w.duraton: unknown key "duraton"`,
		`p.yaml:7: groups.g.Mode: unknown key "Mode" (did you mean "mode"?)`,
		`p.yaml:11: baselines.b1.ApprovalRule: unknown key "ApprovalRule"`,
		`p.yaml:12: flavour: unknown key "flavour"`,
	}
	for _, w := range want {
		wantError(t, lines, w)
	}
	// Validation ran too: the window has no duration.
	wantError(t, lines, "p.yaml:2: windows.w.duration: must be longer than 0")
	for i := 1; i < len(lines); i++ {
		if lines[i-1] > lines[i] && strings.Count(lines[i-1], ":") > 0 && lineNo(lines[i-1]) > lineNo(lines[i]) {
			t.Errorf("errors not in line order: %q before %q", lines[i-1], lines[i])
		}
	}
}

func lineNo(s string) int {
	var n int
	parts := strings.SplitN(s, ":", 3)
	if len(parts) > 1 {
		for _, r := range parts[1] {
			if r < '0' || r > '9' {
				return 0
			}
			n = n*10 + int(r-'0')
		}
	}
	return n
}

func TestLoadSyntaxAndTypeErrors(t *testing.T) {
	cases := []struct{ name, data, want string }{
		{"bad yaml", "windows: [\n", "p.yaml:"},
		{"list expected", "windows: {name: w}\n", "p.yaml:1: windows: must be a list"},
		{"not a number", "baselines:\n  - Name: a1b\n    OperatingSystem: WINDOWS\n    ApprovalRules: {PatchRules: [{PatchFilterGroup: {PatchFilters: []}, ApproveAfterDays: seven}]}\n",
			`ApproveAfterDays: must be a whole number, not "seven"`},
		{"not a bool", "baselines:\n  - Name: a1b\n    OperatingSystem: UBUNTU\n    ApprovedPatches: [openssl]\n    ApprovedPatchesEnableNonSecurity: maybe\n",
			`p.yaml:5: baselines.a1b.ApprovedPatchesEnableNonSecurity: must be true or false`},
		{"duplicate key", "windows:\n  - name: w\n    cron: \"0 1 * * *\"\n    cron: \"0 2 * * *\"\n    duration: 1h\n", `p.yaml:4: windows.w.cron: duplicate key "cron"`},
		{"root not mapping", "- a\n- b\n", "p.yaml:1: a policy file must be a mapping"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantError(t, errorLines(t, "p.yaml", c.data), c.want)
		})
	}
}

// The output of `aws ssm get-patch-baseline` loads unchanged: every field
// it prints survives into Baseline and back to the same JSON (output shape:
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetPatchBaseline.html).
func TestLoadAWSGetPatchBaselineUnchanged(t *testing.T) {
	const file = "testdata/aws-get-patch-baseline.json"
	b, err := LoadBaselineFile(file)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(file)
	var want map[string]any
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(b)
	var got map[string]any
	_ = json.Unmarshal(out, &got)
	// omitempty drops false and empty values that AWS prints.
	dropZero(want)
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("round trip differs:\ngot  %s\nwant %s", g, w)
	}
	if b.BaselineID != "pb-0c10e65780EXAMPLE" || len(b.PatchGroups) != 1 || b.Sources[0].Name != "internal-mirror" {
		t.Errorf("fields lost: %+v", b)
	}

	// CLI v1 prints CreatedDate as epoch seconds; a string field takes it.
	dir := t.TempDir()
	v1 := strings.Replace(string(raw), `"2026-03-02T09:14:27.512000+00:00"`, `1772442867.512`, 1)
	path := filepath.Join(dir, "v1.json")
	_ = os.WriteFile(path, []byte(v1), 0o644)
	if b, err := LoadBaselineFile(path); err != nil || b.CreatedDate != "1772442867.512" {
		t.Errorf("epoch CreatedDate: %v %q", err, b.CreatedDate)
	}
}

func dropZero(m map[string]any) {
	for k, v := range m {
		switch x := v.(type) {
		case bool:
			if !x {
				delete(m, k)
			}
		case []any:
			if len(x) == 0 {
				delete(m, k)
			}
			for _, e := range x {
				if em, ok := e.(map[string]any); ok {
					dropZero(em)
				}
			}
		case map[string]any:
			dropZero(x)
		}
	}
}

// A standalone baseline file is also a valid policy file: Load files it
// under baselines.<Name>.
// YAML aliases cannot expand a small file into a huge value: the decoder
// stops after a fixed number of steps.
func TestDecodeAliasExpansionIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [", i, i)
		for j := 0; j < 20; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(b.String()), &doc); err != nil {
		t.Fatal(err)
	}
	c := newCollector()
	d := &decoder{file: "bomb.yaml", c: c}
	var v [][][][][][]string // l5: six levels, 20^6 strings once expanded
	root := doc.Content[0]
	d.decode(root.Content[len(root.Content)-1], reflect.ValueOf(&v).Elem(), "l5", 0)
	if err := c.result(); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("alias expansion not stopped: %v", err)
	}
}

func TestLoadStandaloneBaselineInPolicy(t *testing.T) {
	p, err := Load("testdata/aws-get-patch-baseline.json")
	if err != nil {
		t.Fatal(err)
	}
	if b := p.Baselines["al2023-prod-security"]; b == nil || fleet.OSFamily(b.OperatingSystem) != fleet.OSAmazonLinux2023 {
		t.Errorf("baselines = %v", p.Baselines)
	}
	// Unknown keys are errors in standalone files too.
	lines := errorLines(t, "b.json", `{"Name": "abc", "OperatingSystem": "UBUNTU", "ApprovedPatches": ["vim"], "Colour": "red"}`)
	wantError(t, lines, `b.json:1: baselines.abc.Colour: unknown key "Colour"`)
}

package policy

import (
	"os"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader: it must never panic, and
// whatever it accepts must validate again.
func FuzzLoad(f *testing.F) {
	for _, file := range []string{
		"../deployments/examples/policy/groups.yaml",
		"../deployments/examples/policy/baselines.yaml",
		"../deployments/examples/policy/windows.yaml",
		"../deployments/examples/policy/targets.yaml",
		"testdata/aws-get-patch-baseline.json",
	} {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(groupFile))
	f.Add([]byte(`{"windows": [{"name": "w", "calendar": {"days": ["MON"], "at": "10:00"}, "duration": "1d"}]}`))
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("accepted policy fails Validate: %v", err)
		}
		for name := range p.Groups {
			if _, err := p.Snapshot(name); err != nil {
				t.Fatalf("Snapshot(%q) of a valid policy: %v", name, err)
			}
		}
	})
}

package policy

import (
	"encoding/json"
	"testing"

	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestSnapshot(t *testing.T) {
	p, err := Load(examplePolicy)
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Snapshot("prod-sensitive")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Baselines) != 4 || s.Baselines[fleet.OSWindows].Name != "windows-sensitive" || s.ScanWindow.Name != "weekly-scan" ||
		s.InstallWindow == nil || s.InstallWindow.Name != "on-demand-sensitive" || len(s.Digest) != 64 {
		t.Fatalf("snapshot = %+v", s)
	}
	// It survives a JSON round trip (Temporal payload) with its digest.
	b, _ := json.Marshal(s)
	var back Snapshot
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if d, _ := back.ComputeDigest(); d != s.Digest {
		t.Errorf("digest after round trip %s != %s", d, s.Digest)
	}
	// The same policy gives the same digest; a change gives another.
	again, _ := p.Snapshot("prod-sensitive")
	if again.Digest != s.Digest {
		t.Error("digest not deterministic")
	}
	p.Baselines["windows-sensitive"].Description = "changed"
	changed, _ := p.Snapshot("prod-sensitive")
	if changed.Digest == s.Digest {
		t.Error("digest ignores a baseline change")
	}
	// The snapshot is a copy: changing the policy does not change it.
	if s.Baselines[fleet.OSWindows].Description == "changed" {
		t.Error("snapshot shares data with the policy")
	}
	if _, err := p.Snapshot("missing"); err == nil {
		t.Error("Snapshot(missing) = nil error")
	}
}

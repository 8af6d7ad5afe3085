package activities

import (
	"testing"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

// The manifest applies the group's minPatchAge after the baseline: an
// Ubuntu security update the baseline approves at once (Ubuntu rules take
// no ApproveAfterDays,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PatchRule.html)
// stays out of the manifest until it is old enough, and its decision says
// why.
func TestManifestAppliesMinPatchAge(t *testing.T) {
	ctx := t.Context()
	a := &Activities{Store: DirStore{Root: t.TempDir()}}
	run := Run{Group: "soak", Cycle: "2026-W47", ID: "r1"}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	young := fleet.Patch{ID: "openssl:3.0.2-0ubuntu1.19", Name: "openssl", OS: fleet.OSUbuntu, Priority: "Important",
		Repository: "jammy-security", ReleaseDate: at.Add(-24 * time.Hour)}
	old := fleet.Patch{ID: "curl:7.81.0-1ubuntu1.19", Name: "curl", OS: fleet.OSUbuntu, Priority: "Important",
		Repository: "jammy-security", ReleaseDate: at.Add(-10 * 24 * time.Hour)}
	if err := putJSON(ctx, a.Store, run.targetsKey(0), []fleet.Instance{{ID: "i-1", OS: fleet.OSUbuntu}}); err != nil {
		t.Fatal(err)
	}
	scan := fleet.ScanResult{Catalog: []fleet.Patch{young, old}, Instances: []fleet.InstanceScan{{InstanceID: "i-1",
		Patches: []fleet.PatchStatus{{PatchID: young.ID, State: fleet.StateMissing}, {PatchID: old.ID, State: fleet.StateMissing}}}}}
	if err := putJSON(ctx, a.Store, run.scanKey(0), scan); err != nil {
		t.Fatal(err)
	}
	snap := policy.Snapshot{
		Group: policy.Group{Name: "soak", MinPatchAge: policy.Duration(3 * 24 * time.Hour)},
		Baselines: map[fleet.OSFamily]policy.Baseline{fleet.OSUbuntu: {Name: "u", OperatingSystem: "UBUNTU",
			ApprovalRules: &policy.ApprovalRules{PatchRules: []policy.PatchRule{{PatchFilterGroup: policy.FilterGroup{
				PatchFilters: []policy.PatchFilter{{Key: "PRIORITY", Values: []string{"*"}}}}}}}}},
	}
	m, err := a.evaluate(ctx, BuildManifestInput{Run: run, Batches: 1, Snapshot: snap, At: at})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Instances) != 1 || len(m.Instances[0].PatchIDs) != 1 || m.Instances[0].PatchIDs[0] != old.ID {
		t.Fatalf("manifest instances = %+v, want only %s", m.Instances, old.ID)
	}
	for _, d := range m.Decisions {
		if d.PatchID == young.ID && (d.Verdict != policy.PendingMinPatchAge || d.Rule != "minPatchAge") {
			t.Errorf("young patch decision = %+v", d.Decision)
		}
	}
}

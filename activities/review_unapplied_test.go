package activities

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

// Azure's assessPatches result has no MSRC severity
// (https://learn.microsoft.com/en-us/rest/api/compute/virtual-machines/assess-patches),
// so AWS-DefaultPatchBaseline's MSRC_SEVERITY filter cannot be applied to
// Azure Windows updates: the review says so and on how many patches,
// rather than showing an empty manifest without a word.
func TestReviewSaysWhichFiltersACloudCannotApply(t *testing.T) {
	ctx := t.Context()
	a := &Activities{Store: DirStore{Root: t.TempDir()}}
	run := Run{Group: "win-azure", Cycle: "2026-W47", ID: "r1"}
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	azure := &fleet.CloudReport{Cloud: fleet.CloudAzure}
	kb := func(id, class string) fleet.Patch {
		return fleet.Patch{ID: id, KB: id, Name: id, OS: fleet.OSWindows, Classification: class, Product: "WindowsServer2022",
			ReleaseDate: at.Add(-30 * 24 * time.Hour), CloudReport: azure}
	}
	sec1, sec2, upd := kb("KB5031361", "SecurityUpdates"), kb("KB5031362", "CriticalUpdates"), kb("KB5031000", "Updates")
	require.NoError(t, putJSON(ctx, a.Store, run.targetsKey(0), []fleet.Instance{{ID: "vm-1", OS: fleet.OSWindows, Cloud: fleet.CloudAzure}}))
	var missing []fleet.PatchStatus
	for _, p := range []fleet.Patch{sec1, sec2, upd} {
		missing = append(missing, fleet.PatchStatus{PatchID: p.ID, State: fleet.StateMissing})
	}
	require.NoError(t, putJSON(ctx, a.Store, run.scanKey(0), fleet.ScanResult{Catalog: []fleet.Patch{sec1, sec2, upd},
		Instances: []fleet.InstanceScan{{InstanceID: "vm-1", Patches: missing}}}))
	seven := 7
	snap := policy.Snapshot{Group: policy.Group{Name: "win-azure"},
		Baselines: map[fleet.OSFamily]policy.Baseline{fleet.OSWindows: {Name: "AWS-DefaultPatchBaseline", OperatingSystem: "WINDOWS",
			ApprovalRules: &policy.ApprovalRules{PatchRules: []policy.PatchRule{{ApproveAfterDays: &seven, PatchFilterGroup: policy.FilterGroup{
				PatchFilters: []policy.PatchFilter{{Key: "CLASSIFICATION", Values: []string{"CriticalUpdates", "SecurityUpdates"}},
					{Key: "MSRC_SEVERITY", Values: []string{"Critical", "Important"}}}}}}}}},
	}
	r, err := a.BuildManifest(ctx, BuildManifestInput{Run: run, Batches: 1, Snapshot: snap, At: at})
	require.NoError(t, err)
	require.Empty(t, r.Patches)
	// The Updates KB is excluded by its classification, which Azure
	// reports; only the two security updates hit the unreported key.
	require.Equal(t, []string{"Azure does not report MSRC severity; the filter cannot be applied (2 patches)"}, r.Unapplied)
}

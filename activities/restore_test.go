package activities

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/sim"
	"github.com/fleetpatch/fleetpatch/report"
)

// noRestorer is a provider without fleet.Restorer, as the Azure one.
type noRestorer struct{ fleet.Provider }

// restoreSetup snapshots one EC2 instance of a simulated fleet, installs
// its pending patches and writes a report naming the snapshots.
func restoreSetup(t *testing.T, expires time.Time) (*Activities, string, map[string]string) {
	t.Helper()
	f := cloudsim.Generate(cloudsim.Config{Seed: 3, Instances: 80, AzureShare: -1, Speed: 1, Timing: &cloudsim.Timing{}})
	ctx := context.Background()
	var id string
	var pending []fleet.PatchOnInstance
	for _, in := range f.Instances() {
		if pending, _ = f.PendingPatches(in.ID); in.ID[:2] == "i-" && len(pending) > 0 {
			id = in.ID
			break
		}
	}
	require.NotEmpty(t, id)
	inv := map[string]string{}
	for _, p := range f.Installed(id)[0].Packages {
		inv[p.Name] = p.Version
	}
	snaps, err := f.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: []string{id}, Key: "k", Expires: expires}, nil)
	require.NoError(t, err)
	var patches []string
	for _, p := range pending {
		patches = append(patches, p.ID)
	}
	_, err = f.Install(ctx, fleet.InstallRequest{CycleID: "2026-W48", Reboot: fleet.RebootIfNeeded,
		Instances: []fleet.InstanceInstallRequest{{InstanceID: id, PatchIDs: patches}}}, nil)
	require.NoError(t, err)
	in, _ := f.Instance(id)
	ri := &report.Instance{ID: id, Cloud: in.Cloud, Account: in.Account, Region: in.Region}
	for _, s := range snaps[0].Snapshots {
		ri.Snapshots = append(ri.Snapshots, report.Snapshot{ID: s.ID, Disk: s.Disk, Device: s.Device, Expires: expires})
	}
	dir := t.TempDir()
	run := report.RunDir(dir, "prod-auto", "2026-W48", 0)
	require.NoError(t, os.MkdirAll(run, 0o755))
	b, err := json.Marshal(report.Report{Schema: report.SchemaVersion, Header: report.Header{Group: "prod-auto", Cycle: "2026-W48"}, Instances: []*report.Instance{ri}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(run, "report.json"), b, 0o644))
	return &Activities{Provider: sim.New(f), ReportDir: dir}, id, inv
}

func TestRestoreInstanceUsesTheReportsSnapshots(t *testing.T) {
	a, id, before := restoreSetup(t, time.Now().Add(24*time.Hour))
	res, err := a.RestoreInstance(context.Background(), RestoreInput{Group: "prod-auto", Cycle: "2026-W48", InstanceID: id})
	require.NoError(t, err)
	require.True(t, res.Restored(), "%+v", res)
	assert.Equal(t, fleet.CloudAWS, res.Cloud)
	got := map[string]string{}
	for _, p := range a.Provider.(*sim.Provider).Fleet().Installed(id)[0].Packages {
		got[p.Name] = p.Version
	}
	assert.Equal(t, before, got)
}

func TestRestoreInstanceRefusals(t *testing.T) {
	a, id, _ := restoreSetup(t, time.Now().Add(-time.Hour))
	ctx := context.Background()
	in := RestoreInput{Group: "prod-auto", Cycle: "2026-W48", InstanceID: id}
	_, err := a.RestoreInstance(ctx, in)
	assert.ErrorContains(t, err, "expired")
	_, err = a.RestoreInstance(ctx, RestoreInput{Group: "prod-auto", Cycle: "2026-W47", InstanceID: id})
	assert.ErrorContains(t, err, "no report for group prod-auto, cycle 2026-W47")
	_, err = a.RestoreInstance(ctx, RestoreInput{Group: "Bad Group", Cycle: "2026-W48", InstanceID: id})
	assert.ErrorContains(t, err, "is not a patch group name")

	a.Now = func() time.Time { return time.Now().Add(-2 * time.Hour) }
	a.Provider = noRestorer{a.Provider}
	_, err = a.RestoreInstance(ctx, in)
	assert.ErrorContains(t, err, "restore --apply is not available for AWS instances: run the printed steps")
}

package cloudsim_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, name := range []string{"fleet.json", "fleet.json.gz"} {
		t.Run(name, func(t *testing.T) {
			faults := cloudsim.Faults{
				OfflineRate: 0.05, ThrottleNextCalls: 0,
				InstallFailures: []cloudsim.PackageFailure{{Package: "curl", Instances: []string{"i-0abc"}}},
			}
			f, clock := virtualFleet(400, 51, faults)
			ctx := context.Background()
			id, pending := pick(t, f, fleet.OSUbuntu, 2, true)
			installOne(t, f, id, fleet.NoReboot, patchIDs(pending)...)
			id2, pending2 := pick(t, f, fleet.OSAmazonLinux2023, 1, true)
			installOne(t, f, id2, fleet.RebootIfNeeded, patchIDs(pending2)...) // saved mid-reboot
			_, err := f.Scan(ctx, f.IDs()[:50], nil)
			require.NoError(t, err)
			f.ThrottleNext(3)

			path := filepath.Join(t.TempDir(), name)
			require.NoError(t, f.Save(path))
			g, err := cloudsim.LoadWithClock(path, cloudsim.NewVirtualClock(clock.Now()))
			require.NoError(t, err)

			assert.Equal(t, f.Faults(), g.Faults())
			assert.Equal(t, f.Stats(), g.Stats())
			assert.Equal(t, f.Instances(), g.Instances())
			for _, x := range f.IDs() {
				pf, _ := f.PendingPatches(x)
				pg, _ := g.PendingPatches(x)
				require.Equal(t, pf, pg, x)
				cf, _ := f.Counters(x)
				cg, _ := g.Counters(x)
				require.Equal(t, cf, cg, x)
			}
			f.ThrottleNext(0)
			g.ThrottleNext(0)
			invF, _ := f.Inventory(ctx, f.IDs()[:50])
			invG, _ := g.Inventory(ctx, g.IDs()[:50])
			assert.Equal(t, invF, invG)

			// Both continue alike: the reboot in progress ends, scans agree.
			rf, err := f.WaitReady(ctx, []string{id2}, nil)
			require.NoError(t, err)
			rg, err := g.WaitReady(ctx, []string{id2}, nil)
			require.NoError(t, err)
			assert.Equal(t, rf, rg)
			sf, _ := f.Scan(ctx, f.IDs()[:50], nil)
			sg, _ := g.Scan(ctx, g.IDs()[:50], nil)
			assert.Equal(t, sf, sg)
		})
	}
}

func TestLoadWithoutClockResumesAtSavedTime(t *testing.T) {
	f, clock := virtualFleet(20, 52, cloudsim.Faults{})
	path := filepath.Join(t.TempDir(), "fleet.json")
	require.NoError(t, f.Save(path))
	g, err := cloudsim.Load(path)
	require.NoError(t, err)
	assert.False(t, g.Now().Before(clock.Now()))
	assert.Equal(t, f.Seed(), g.Seed())
	assert.Equal(t, f.Timing(), g.Timing())
}

func TestLoadRejectsBadFiles(t *testing.T) {
	dir := t.TempDir()
	_, err := cloudsim.Load(filepath.Join(dir, "missing.json"))
	assert.ErrorIs(t, err, fs.ErrNotExist, "callers tell a first start from a broken file")
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"format":99}`), 0o600))
	_, err = cloudsim.Load(bad)
	assert.ErrorContains(t, err, "format")
}

func TestSaveDuringConcurrentInstallsIsConsistentPerInstance(t *testing.T) {
	f, _ := virtualFleet(600, 53, cloudsim.Faults{})
	original := map[string][]fleet.PatchOnInstance{}
	var reqs []fleet.InstanceInstallRequest
	for _, id := range f.IDs() {
		p, _ := f.PendingPatches(id)
		original[id] = p
		if len(p) > 0 {
			reqs = append(reqs, fleet.InstanceInstallRequest{InstanceID: id, PatchIDs: patchIDs(p)})
		}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w * fleet.MaxBatch; i < len(reqs); i += 4 * fleet.MaxBatch {
				batch := reqs[i:min(i+fleet.MaxBatch, len(reqs))]
				_, err := f.Install(context.Background(), fleet.InstallRequest{Instances: batch, Reboot: fleet.NoReboot}, nil)
				assert.NoError(t, err)
			}
		})
	}
	dir := t.TempDir()
	var paths []string
	for i := range 5 {
		p := filepath.Join(dir, "snap"+string(rune('a'+i))+".json.gz")
		require.NoError(t, f.Save(p))
		paths = append(paths, p)
	}
	wg.Wait()

	for _, p := range paths {
		g, err := cloudsim.LoadWithClock(p, cloudsim.NewVirtualClock(t0))
		require.NoError(t, err)
		for id, before := range original {
			now, _ := g.PendingPatches(id)
			if g.InstallCount(id) == 1 {
				assert.Empty(t, now, "%s: counted install means fully installed", id)
			} else {
				assert.Equal(t, before, now, "%s: no install means untouched", id)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, len(paths), "no temp files left behind")
}

package cloudsim_test

import (
	"context"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestJournalRecordsEachInstallWithVersionsAndCycle(t *testing.T) {
	f, _ := virtualFleet(300, 61, cloudsim.Faults{})
	id, pending := pick(t, f, fleet.OSUbuntu, 3, false)
	before := time.Now()

	first := installOne(t, f, id, fleet.NoReboot, patchIDs(pending)...)
	installOne(t, f, id, fleet.NoReboot, patchIDs(pending)...) // again: changes nothing

	recs, dropped := f.Journal(id)
	require.Zero(t, dropped)
	require.Len(t, recs, 2)
	r := recs[0]
	assert.Equal(t, id, r.InstanceID)
	in, _ := f.Instance(id)
	assert.Equal(t, in.Cloud, r.Cloud)
	assert.Equal(t, "2026-W48", r.CycleID)
	assert.Equal(t, fleet.NoReboot, r.Reboot)
	assert.Equal(t, cloudsim.OutcomeInstalled, r.Outcome)
	assert.False(t, r.Start.Before(before.Add(-time.Second)), "wall-clock start")
	assert.False(t, r.End.Before(r.Start))
	assert.Equal(t, first.Changes, r.Changes, "the journal says what the install reported")
	for i, c := range r.Changes {
		assert.Equal(t, pending[i].InstalledVersion, c.FromVersion)
		assert.Equal(t, pending[i].Version, c.ToVersion)
	}
	for _, c := range recs[1].Changes {
		assert.Equal(t, c.FromVersion, c.ToVersion, "the second install found everything installed")
	}
	all, _ := f.Journal()
	assert.Len(t, all, 2, "no other instance was touched")
}

func TestJournalRecordsInstallsThatChangedNothing(t *testing.T) {
	f, _ := virtualFleet(400, 62, cloudsim.Faults{})
	offline, p1 := pick(t, f, fleet.OSUbuntu, 1, false)
	broken, p2 := pick(t, f, fleet.OSAmazonLinux2023, 2, false)
	f.SetFaults(cloudsim.Faults{OfflineInstances: []string{offline},
		InstallFailures: []cloudsim.PackageFailure{{Package: cloudsim.AnyPackage, Instances: []string{broken}}}})

	installOne(t, f, offline, fleet.NoReboot, patchIDs(p1)...)
	res := installOne(t, f, broken, fleet.NoReboot, patchIDs(p2)...)

	recs, _ := f.Journal(offline, broken, "i-0unknown")
	require.Len(t, recs, 2)
	assert.Equal(t, cloudsim.OutcomeNotDelivered, recs[0].Outcome)
	assert.Contains(t, recs[0].Error, "not delivered")
	assert.Empty(t, recs[0].Changes)
	assert.Equal(t, cloudsim.OutcomeFailed, recs[1].Outcome)
	require.Len(t, recs[1].Changes, len(p2))
	for _, c := range recs[1].Changes {
		assert.Equal(t, fleet.StateFailed, c.State, "* fails every package of the attempt")
		assert.NotEmpty(t, c.Error)
		assert.Equal(t, c.FromVersion, c.ToVersion)
	}
	assert.Equal(t, res.Changes, recs[1].Changes)
}

func TestJournalRecordsMissedDeadlinesAndCancelledInstalls(t *testing.T) {
	clock := cloudsim.NewManualClock(t0)
	timing := cloudsim.Timing{InstallPerPackage: time.Minute}
	f := cloudsim.Generate(cloudsim.Config{Seed: 63, Instances: 200, Now: t0, Clock: clock, Timing: &timing})
	var ids []string
	var req fleet.InstallRequest
	for _, id := range f.IDs() {
		if p, _ := f.PendingPatches(id); len(p) >= 2 {
			ids = append(ids, id)
			req.Instances = append(req.Instances, fleet.InstanceInstallRequest{InstanceID: id, PatchIDs: patchIDs(p)})
		}
		if len(ids) == 2 {
			break
		}
	}
	req.CycleID, req.Reboot = "late", fleet.NoReboot
	req.Deadline = t0.Add(30 * time.Second) // two packages take two minutes
	done := make(chan error)
	go func() { _, err := f.Install(context.Background(), req, nil); done <- err }()
	for clock.Sleepers() == 0 {
		time.Sleep(time.Millisecond)
	}
	clock.Advance(time.Minute)
	require.NoError(t, <-done)

	ctx, cancel := context.WithCancel(context.Background())
	req.CycleID, req.Deadline = "cancelled", time.Time{}
	go func() { _, err := f.Install(ctx, req, nil); done <- err }()
	for clock.Sleepers() == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)

	recs, _ := f.Journal(ids...)
	require.Len(t, recs, 4)
	for _, r := range recs {
		want := map[string]cloudsim.InstallOutcome{"late": cloudsim.OutcomeMissedDeadline, "cancelled": cloudsim.OutcomeCancelled}[r.CycleID]
		assert.Equal(t, want, r.Outcome, r.CycleID)
		assert.NotEmpty(t, r.Error)
		for _, c := range r.Changes {
			assert.Equal(t, c.FromVersion, c.ToVersion, "nothing installed")
		}
	}
	assert.Zero(t, f.InstallCount(ids[0]))
}

func TestJournalIsBoundedPerInstanceAndSurvivesSaveAndLoad(t *testing.T) {
	f, clock := virtualFleet(100, 64, cloudsim.Faults{})
	id, pending := pick(t, f, fleet.OSUbuntu, 1, false)
	for range cloudsim.MaxJournalPerInstance + 3 {
		installOne(t, f, id, fleet.NoReboot, patchIDs(pending)...)
	}
	recs, dropped := f.Journal(id)
	assert.Len(t, recs, cloudsim.MaxJournalPerInstance)
	assert.Equal(t, 3, dropped)

	path := filepath.Join(t.TempDir(), "fleet.json.gz")
	require.NoError(t, f.Save(path))
	g, err := cloudsim.LoadWithClock(path, cloudsim.NewVirtualClock(clock.Now()))
	require.NoError(t, err)
	all, droppedAll := f.Journal()
	loaded, droppedLoaded := g.Journal()
	assert.Equal(t, droppedAll, droppedLoaded)
	require.Len(t, loaded, len(all))
	for i := range all {
		assert.True(t, all[i].Start.Equal(loaded[i].Start) && all[i].End.Equal(loaded[i].End))
		all[i].Start, all[i].End, loaded[i].Start, loaded[i].End = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	}
	assert.Equal(t, all, loaded)
}

// BenchmarkJournal measures what the journal of 10,000 instances with
// three installs each keeps in memory (retained-bytes/op):
// go test -run '^$' -bench Journal -benchtime 1x ./cloudsim/
func BenchmarkJournal(b *testing.B) {
	for range b.N {
		b.StopTimer()
		f, _ := virtualFleet(10000, 65, cloudsim.Faults{})
		var reqs []fleet.InstallRequest
		ids := f.IDs()
		for i := 0; i < len(ids); i += fleet.MaxBatch {
			req := fleet.InstallRequest{Reboot: fleet.NoReboot}
			for _, id := range ids[i:min(i+fleet.MaxBatch, len(ids))] {
				p, _ := f.PendingPatches(id)
				req.Instances = append(req.Instances, fleet.InstanceInstallRequest{InstanceID: id, PatchIDs: patchIDs(p)})
			}
			reqs = append(reqs, req)
		}
		before := heapAlloc()
		b.StartTimer()
		for c := range 3 {
			for _, req := range reqs {
				req.CycleID = "cycle-" + strconv.Itoa(c)
				if _, err := f.Install(context.Background(), req, nil); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		b.ReportMetric(float64(heapAlloc()-before), "retained-bytes/op")
		if recs, _ := f.Journal(); len(recs) != 3*len(ids) {
			b.Fatalf("%d records", len(recs))
		}
		runtime.KeepAlive(reqs)
	}
}

// heapAlloc returns the live heap after a collection.
func heapAlloc() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

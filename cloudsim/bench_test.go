package cloudsim_test

import (
	"context"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

const benchSize = 10_000

// BenchmarkGenerate10000 generates a 10,000-instance fleet and reports the
// heap it holds once generated.
func BenchmarkGenerate10000(b *testing.B) {
	b.ReportAllocs()
	var f *cloudsim.Fleet
	for b.Loop() {
		f, _ = virtualFleet(benchSize, 1, cloudsim.Faults{})
	}
	b.StopTimer()
	f = nil
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	f, _ = virtualFleet(benchSize, 1, cloudsim.Faults{})
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(f)
	b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "heapMB/fleet")
}

// installAllRequests asks for every pending patch of every instance.
func installAllRequests(f *cloudsim.Fleet) []fleet.InstanceInstallRequest {
	var reqs []fleet.InstanceInstallRequest
	for _, id := range f.IDs() {
		p, _ := f.PendingPatches(id)
		ids := make([]string, len(p))
		for i, x := range p {
			ids[i] = x.ID
		}
		reqs = append(reqs, fleet.InstanceInstallRequest{InstanceID: id, PatchIDs: ids})
	}
	return reqs
}

// BenchmarkInstall10000 installs every pending patch on 10,000 instances in
// batches of 50 (one op = the whole fleet, on a fresh fleet each time).
func BenchmarkInstall10000(b *testing.B) {
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		f, _ := virtualFleet(benchSize, 1, cloudsim.Faults{})
		reqs := installAllRequests(f)
		b.StartTimer()
		for i := 0; i < len(reqs); i += fleet.MaxBatch {
			req := fleet.InstallRequest{Reboot: fleet.RebootIfNeeded, Instances: reqs[i:min(i+fleet.MaxBatch, len(reqs))]}
			if _, err := f.Install(ctx, req, nil); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkSave10000 and BenchmarkLoad10000 write and read a 10,000-instance
// fleet, plain and gzip.
func BenchmarkSave10000(b *testing.B) {
	for _, name := range []string{"fleet.json", "fleet.json.gz"} {
		b.Run(name, func(b *testing.B) {
			f, _ := virtualFleet(benchSize, 1, cloudsim.Faults{})
			path := filepath.Join(b.TempDir(), name)
			b.ReportAllocs()
			for b.Loop() {
				if err := f.Save(path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkLoad10000(b *testing.B) {
	for _, name := range []string{"fleet.json", "fleet.json.gz"} {
		b.Run(name, func(b *testing.B) {
			f, _ := virtualFleet(benchSize, 1, cloudsim.Faults{})
			path := filepath.Join(b.TempDir(), name)
			if err := f.Save(path); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := cloudsim.Load(path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Command simfleet measures the simulated fleet at scale: it generates a
// fleet, scans it through the sim provider in batches of 50 over several
// goroutines, installs every missing patch with reboots, waits for the
// instances, saves and loads it, and prints the wall time of each step and
// the heap in use.
//
// Usage:
//
//	go run ./bench/simfleet [-n 10000] [-workers 4] [-realtime]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

func main() {
	n := flag.Int("n", 10_000, "instances")
	workers := flag.Int("workers", 4, "goroutines calling the provider")
	realtime := flag.Bool("realtime", false, "run on the wall clock with the default timing (a demo cycle) instead of a virtual clock")
	flag.Parse()

	cfg := cloudsim.Config{Seed: 1, Instances: *n}
	if !*realtime {
		start := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
		cfg.Now, cfg.Clock = start, cloudsim.NewVirtualClock(start)
	}
	t := time.Now()
	f := cloudsim.Generate(cfg)
	step("generate", t, f)
	p := sim.New(f)
	ctx := context.Background()
	ids := f.IDs()

	t = time.Now()
	var mu sync.Mutex
	var reqs []fleet.InstanceInstallRequest
	batches(ids, *workers, func(b []string) {
		res, err := p.Scan(ctx, b, nil)
		check(err)
		mu.Lock()
		defer mu.Unlock()
		for _, s := range res.Instances {
			var pids []string
			for _, ps := range s.Patches {
				pids = append(pids, ps.PatchID)
			}
			reqs = append(reqs, fleet.InstanceInstallRequest{InstanceID: s.InstanceID, PatchIDs: pids})
		}
	})
	step("scan", t, f)

	t = time.Now()
	byID := map[string]fleet.InstanceInstallRequest{}
	for _, r := range reqs {
		byID[r.InstanceID] = r
	}
	batches(ids, *workers, func(b []string) {
		req := fleet.InstallRequest{CycleID: "bench", Reboot: fleet.RebootIfNeeded}
		for _, id := range b {
			req.Instances = append(req.Instances, byID[id])
		}
		_, err := p.Install(ctx, req, nil)
		check(err)
		_, err = p.WaitReady(ctx, b, nil)
		check(err)
	})
	step("install+reboot+wait", t, f)

	dir, err := os.MkdirTemp("", "simfleet")
	check(err)
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "fleet.json.gz")
	t = time.Now()
	check(f.Save(path))
	st, err := os.Stat(path)
	check(err)
	step(fmt.Sprintf("save (%d KiB gzip)", st.Size()/1024), t, f)
	t = time.Now()
	g, err := cloudsim.Load(path)
	check(err)
	step("load", t, g)
	s := f.Stats()
	fmt.Printf("stats: %d instances, %d scanned, %d installed (max %d installs per instance), %d reboots, %d provider calls\n",
		s.Instances, s.InstancesScanned, s.InstancesInstalled, s.MaxInstallsPerInstance, s.Totals.Reboots, len(p.Calls()))
}

// batches calls fn with batches of fleet.MaxBatch IDs from workers goroutines.
func batches(ids []string, workers int, fn func([]string)) {
	ch := make(chan []string)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for b := range ch {
				fn(b)
			}
		})
	}
	for i := 0; i < len(ids); i += fleet.MaxBatch {
		ch <- ids[i:min(i+fleet.MaxBatch, len(ids))]
	}
	close(ch)
	wg.Wait()
}

// step prints a step's wall time and the heap in use after a GC.
func step(name string, start time.Time, keep *cloudsim.Fleet) {
	d := time.Since(start)
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	runtime.KeepAlive(keep)
	fmt.Printf("%-32s %10s   heap in use %6.1f MiB\n", name, d.Round(time.Millisecond), float64(m.HeapInuse)/(1<<20))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "simfleet:", err)
		os.Exit(1)
	}
}

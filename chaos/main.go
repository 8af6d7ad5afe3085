// Command chaos runs fleetpatch's chaos suite (see package chaos/suite):
// separate processes for the Temporal server, the AWS and Azure emulators
// and the workers, one approval cycle over the whole simulated fleet with
// injected faults, workers SIGKILLed at random moments and the server
// restarted, then checks from the emulators' own records, printed as a
// table. The full form (the default):
//
//	go run ./chaos
//
// and the short form CI runs (go test ./chaos/suite does the same):
//
//	go run ./chaos --short
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/fleetpatch/fleetpatch/chaos/suite"
)

func main() {
	full := suite.Full()
	short := flag.Bool("short", false, "the short form (300 servers, 3 kills)")
	servers := flag.Int("servers", 0, "fleet size (default 1000, 300 with --short)")
	kills := flag.Int("kills", -1, "worker SIGKILLs (default 20, 3 with --short)")
	workers := flag.Int("workers", full.Workers, "worker processes")
	seed := flag.Int64("seed", full.Seed, "seed of the fleet, its faults and the kill schedule")
	dir := flag.String("dir", "", "working directory (default a new temporary one, kept for its logs)")
	flag.Parse()
	cfg := full
	if *short {
		cfg = suite.Short()
	}
	if *servers > 0 {
		cfg.Servers = *servers
	}
	if *kills >= 0 {
		cfg.Kills = *kills
	}
	cfg.Workers, cfg.Seed, cfg.Log = *workers, *seed, os.Stderr
	cfg.Dir = *dir
	if cfg.Dir == "" {
		d, err := os.MkdirTemp("", "fleetpatch-chaos-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "chaos:", err)
			os.Exit(1)
		}
		cfg.Dir = d
	}
	repo, err := filepath.Abs(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	cfg.Repo = repo
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "chaos: working in %s (logs in %s)\n", cfg.Dir, filepath.Join(cfg.Dir, "logs"))
	res, err := suite.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
	res.Print(os.Stdout)
	if !res.Passed() {
		os.Exit(1)
	}
}

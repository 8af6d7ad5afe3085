// Command worker runs fleetpatch's Temporal worker: it loads the policy,
// connects to the fleet's provider and to Temporal, and runs the patch cycle
// workflows and activities until SIGINT or SIGTERM.
//
//	go run ./worker --address localhost:7233 --policy deployments/examples/policy
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/codec/keysources"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/providers/sim"
	"github.com/fleetpatch/fleetpatch/workflows"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

// newActivities wires the activities' dependencies.
func newActivities(cfg config, p fleet.Provider) *activities.Activities {
	return &activities.Activities{
		Provider:   p,
		LoadPolicy: func() (*policy.Policy, error) { return policy.Load(cfg.Policy) },
		Store:      activities.DirStore{Root: filepath.Join(cfg.DataDir, "artifacts")},
		ReportDir:  cfg.ReportDir,
	}
}

func run(args []string) error {
	cfg, err := parseConfig(args)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if _, err := policy.Load(cfg.Policy); err != nil {
		return fmt.Errorf("policy %s:\n%w", cfg.Policy, err)
	}
	store, storeURL, err := newStore(ctx, cfg)
	if err != nil {
		return err
	}
	var prov fleet.Provider
	instances := 0
	if cfg.Provider == "aws" {
		if prov, err = newAWSProvider(ctx, cfg); err != nil {
			return err
		}
	} else if cfg.Provider == "azure" || cfg.Provider == "multi" {
		if prov, err = newCloudProvider(ctx, cfg, store); err != nil {
			return err
		}
	} else {
		fleetPath := filepath.Join(cfg.DataDir, "fleet.json.gz")
		simFleet, err := sim.Open(fleetPath, cloudsim.Config{Seed: cfg.SimSeed, Instances: cfg.SimSize, Speed: cfg.SimSpeed})
		if err != nil {
			return err
		}
		saveCtx, stopSaving := context.WithCancel(context.Background())
		saved := make(chan struct{})
		go func() { sim.AutoSave(saveCtx, simFleet, fleetPath, 10*time.Second, log); close(saved) }()
		defer func() { stopSaving(); <-saved }()
		prov, instances = sim.New(simFleet), simFleet.Len()
	}

	opts, err := cfg.Conn.Options()
	if err != nil {
		return err
	}
	opts.Logger = newTemporalLogger(log)
	cdc, err := codec.Load(cfg.CodecKeys, append(keysources.Options(), codec.WithContext(ctx))...)
	if err != nil {
		return err
	}
	codec.Apply(&opts, cdc)
	if cfg.Metrics != "" {
		if opts.MetricsHandler, err = metricsHandler(ctx, cfg.Metrics, log); err != nil {
			return err
		}
	}
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return fmt.Errorf("cannot reach Temporal at %s: %w", opts.HostPort, err)
	}
	defer c.Close()

	w := worker.New(c, cfg.TaskQueue, worker.Options{WorkerStopTimeout: cfg.StopTimeout})
	acts := newActivities(cfg, prov)
	acts.Store = store
	workflows.Register(w, acts)
	log.Info("worker starting", "address", opts.HostPort, "namespace", opts.Namespace, "tls", opts.ConnectionOptions.TLS != nil, "taskQueue", cfg.TaskQueue,
		"policy", cfg.Policy, "provider", cfg.Provider, "instances", instances, "encryption", cdc != nil, "store", storeURL)
	if err := w.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	log.Info("worker stopping: running activities may finish", "timeout", cfg.StopTimeout)
	w.Stop()
	return nil
}

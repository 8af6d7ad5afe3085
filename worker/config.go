package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// config is the worker's configuration: flags, each with an environment
// variable as its default (see deployments/worker-config.md).
type config struct {
	Address   string
	Namespace string
	TaskQueue string
	Policy    string
	Provider  string
	DataDir   string
	ReportDir string
	Metrics   string
	LogLevel  string
	// Simulated fleet (provider "sim").
	SimSize  int
	SimSeed  int64
	SimSpeed float64
	// AWS (provider "aws"); the accounts come from the policy's targets.
	AWS awsConfig
	// Azure (providers "azure" and "multi"); the subscriptions come from
	// the policy's targets.
	Azure azureConfig
	// StopTimeout is how long a stopping worker lets running activities
	// finish before it cancels them (they are then retried elsewhere).
	StopTimeout time.Duration
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// parseConfig reads flags and environment.
func parseConfig(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.StringVar(&c.Address, "address", env("TEMPORAL_ADDRESS", "localhost:7233"), "Temporal frontend host:port (env TEMPORAL_ADDRESS)")
	fs.StringVar(&c.Namespace, "namespace", env("TEMPORAL_NAMESPACE", "default"), "Temporal namespace (env TEMPORAL_NAMESPACE)")
	fs.StringVar(&c.TaskQueue, "task-queue", env("FLEETPATCH_TASK_QUEUE", "fleetpatch"), "task queue (env FLEETPATCH_TASK_QUEUE)")
	fs.StringVar(&c.Policy, "policy", env("FLEETPATCH_POLICY", "deployments/examples/policy"), "policy file or folder (env FLEETPATCH_POLICY)")
	fs.StringVar(&c.Provider, "provider", env("FLEETPATCH_PROVIDER", "sim"), "fleet provider: sim, aws, azure or multi (aws+azure) (env FLEETPATCH_PROVIDER)")
	fs.StringVar(&c.DataDir, "data", env("FLEETPATCH_DATA", "fleetpatch-data"), "directory for cycle artifacts and the simulated fleet (env FLEETPATCH_DATA)")
	fs.StringVar(&c.ReportDir, "reports", env("FLEETPATCH_REPORTS", ""), "report directory; default DATA/reports (env FLEETPATCH_REPORTS)")
	fs.StringVar(&c.Metrics, "metrics", env("FLEETPATCH_METRICS", ":9090"), "Prometheus metrics listen address, empty to disable (env FLEETPATCH_METRICS)")
	fs.StringVar(&c.LogLevel, "log-level", env("FLEETPATCH_LOG_LEVEL", "info"), "debug, info, warn or error (env FLEETPATCH_LOG_LEVEL)")
	fs.IntVar(&c.SimSize, "sim-fleet", envInt("FLEETPATCH_SIM_FLEET", 1200), "simulated fleet size when none is saved yet")
	fs.Int64Var(&c.SimSeed, "sim-seed", int64(envInt("FLEETPATCH_SIM_SEED", 1)), "simulated fleet seed")
	fs.Float64Var(&c.SimSpeed, "sim-speed", 1, "simulated clock speed-up (1 keeps the fleet on the wall clock, which window deadlines assume)")
	c.AWS.flags(fs)
	c.Azure.flags(fs)
	fs.DurationVar(&c.StopTimeout, "stop-timeout", 30*time.Second, "how long running activities may finish on shutdown")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if c.ReportDir == "" {
		c.ReportDir = filepath.Join(c.DataDir, "reports")
	}
	if c.Provider != "sim" && c.Provider != "aws" && c.Provider != "azure" && c.Provider != "multi" {
		return c, fmt.Errorf("provider %q is not supported (use sim, aws, azure or multi)", c.Provider)
	}
	return c, nil
}

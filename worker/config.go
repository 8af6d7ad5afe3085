package main

import (
	"github.com/fleetpatch/fleetpatch/temporalconn"

	"github.com/fleetpatch/fleetpatch/codec"

	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// config is the worker's configuration: flags, each with an environment
// variable as its default (see deployments/worker-config.md).
type config struct {
	// Conn is the Temporal connection: profile, TEMPORAL_* variables and
	// flags (address, namespace, API key, TLS and mTLS).
	Conn      temporalconn.Flags
	TaskQueue string
	Policy    string
	Provider  string
	DataDir   string
	ReportDir string
	Metrics   string
	LogLevel  string
	// CodecKeys is the payload encryption key file (see package codec);
	// empty reads FLEETPATCH_CODEC_KEYS, and with neither payloads are
	// not encrypted.
	CodecKeys string
	// Store is the artifact store's URL (see newStore); empty: DATA/artifacts.
	Store string
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

// envVars names, for each flag that has one, the environment variable that
// sets it when the command line does not.
var envVars = map[string]string{
	"task-queue": "FLEETPATCH_TASK_QUEUE",
	"policy":     "FLEETPATCH_POLICY", "provider": "FLEETPATCH_PROVIDER", "data": "FLEETPATCH_DATA",
	"reports": "FLEETPATCH_REPORTS", "metrics": "FLEETPATCH_METRICS", "log-level": "FLEETPATCH_LOG_LEVEL",
	"codec-keys": "FLEETPATCH_CODEC_KEYS_FILE", "store": "FLEETPATCH_STORE",
	"sim-fleet": "FLEETPATCH_SIM_FLEET", "sim-seed": "FLEETPATCH_SIM_SEED",
	"aws-endpoint": "FLEETPATCH_AWS_ENDPOINT", "aws-ssm-endpoint": "FLEETPATCH_AWS_SSM_ENDPOINT",
	"aws-sts-endpoint": "FLEETPATCH_AWS_STS_ENDPOINT", "aws-s3-endpoint": "FLEETPATCH_AWS_S3_ENDPOINT",
	"aws-ec2-endpoint": "FLEETPATCH_AWS_EC2_ENDPOINT", "aws-bucket": "FLEETPATCH_AWS_BUCKET",
	"aws-bucket-region": "FLEETPATCH_AWS_BUCKET_REGION", "aws-rate": "FLEETPATCH_AWS_RATE", "aws-poll": "FLEETPATCH_AWS_POLL",
	"azure-endpoint": "FLEETPATCH_AZURE_ENDPOINT", "azure-audience": "FLEETPATCH_AZURE_AUDIENCE",
	"azure-ca": "FLEETPATCH_AZURE_CA", "azure-emulator": "FLEETPATCH_AZURE_EMULATOR",
	"azure-concurrency": "FLEETPATCH_AZURE_CONCURRENCY", "azure-poll": "FLEETPATCH_AZURE_POLL",
}

// nameEnvVars adds "(env NAME)" to the usage of every flag envVars covers.
func nameEnvVars(fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		if e, ok := envVars[f.Name]; ok {
			f.Usage += " (env " + e + ")"
		}
	})
}

// applyEnv sets, from the environment, every flag the command line did not
// give; a value the flag refuses is an error that names the variable.
func applyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		e, ok := envVars[f.Name]
		if !ok || given[f.Name] {
			return
		}
		if v, ok := lookup(e); ok && v != "" {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("environment variable %s=%q: %v", e, v, err))
			}
		}
	})
	return errors.Join(errs...)
}

// parseConfig reads flags and environment.
func parseConfig(args []string) (config, error) {
	var c config
	fs := newFlagSet(&c)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := applyEnv(fs, os.LookupEnv); err != nil {
		return c, err
	}
	if c.ReportDir == "" {
		c.ReportDir = filepath.Join(c.DataDir, "reports")
	}
	if c.Provider != "sim" && c.Provider != "aws" && c.Provider != "azure" && c.Provider != "multi" {
		return c, fmt.Errorf("provider %q is not supported (use sim, aws, azure or multi)", c.Provider)
	}
	return c, c.Azure.check()
}

// newFlagSet registers the worker's flags on c.
func newFlagSet(c *config) *flag.FlagSet {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	c.Conn.Register(fs)
	fs.StringVar(&c.TaskQueue, "task-queue", "fleetpatch", "task queue")
	fs.StringVar(&c.Policy, "policy", "deployments/examples/policy", "policy file or folder")
	fs.StringVar(&c.Provider, "provider", "sim", "fleet provider: sim, aws, azure or multi (aws+azure)")
	fs.StringVar(&c.DataDir, "data", "fleetpatch-data", "directory for cycle artifacts and the simulated fleet")
	fs.StringVar(&c.ReportDir, "reports", "", "report directory; default DATA/reports")
	fs.StringVar(&c.Metrics, "metrics", ":9090", "Prometheus metrics listen address, empty to disable")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.StringVar(&c.Store, "store", "", "artifact store: file:///dir, s3://bucket/prefix or azblob://account/container/prefix (shared by every worker); empty: DATA/artifacts")
	fs.StringVar(&c.CodecKeys, "codec-keys", "", "payload encryption key file (lines \"ID BASE64-KEY\", the last encrypts); empty: $"+codec.KeyEnv+" or no encryption")
	fs.IntVar(&c.SimSize, "sim-fleet", 1200, "simulated fleet size when none is saved yet")
	fs.Int64Var(&c.SimSeed, "sim-seed", 1, "simulated fleet seed")
	fs.Float64Var(&c.SimSpeed, "sim-speed", 1, "simulated clock speed-up (1 keeps the fleet on the wall clock, which window deadlines assume)")
	c.AWS.flags(fs)
	c.Azure.flags(fs)
	fs.DurationVar(&c.StopTimeout, "stop-timeout", 30*time.Second, "how long running activities may finish on shutdown")
	nameEnvVars(fs)
	return fs
}

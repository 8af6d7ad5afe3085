package aws

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/time/rate"

	"github.com/fleetpatch/fleetpatch/policy"
)

// Config configures the provider. Only Targets is required; Bucket is
// required for baseline overrides and installs.
type Config struct {
	// Targets are the accounts (role to assume, external ID, regions)
	// from the policy's targets.
	Targets []policy.AWSAccount
	// Base is the worker's own AWS configuration; nil loads the default
	// chain with config.LoadDefaultConfig.
	Base *aws.Config
	// HomeRegion is the region of STS calls; "" means Base's region, then
	// us-east-1.
	HomeRegion string
	// Bucket and BucketRegion hold the override files (BaselineOverride
	// JSON, InstallOverrideList YAML) under Prefix (default "fleetpatch/").
	// The targets' instance profiles must be able to read them (see
	// deployments/aws/bucket-policy.json).
	Bucket       string
	BucketRegion string
	Prefix       string
	// Endpoints override the service endpoints (for the emulator).
	Endpoints Endpoints
	// SessionName is the AssumeRole session name; "" means "fleetpatch".
	SessionName string
	// Rate and Burst limit the requests to each account and region (every
	// HTTP attempt, retries included), one bucket for SSM and one for EC2;
	// 0 means 10 per second, burst Rate. A target's Rates (the policy's
	// targets.aws[].rates) replace them for its account, field by field
	// (see bucket).
	Rate  float64
	Burst int
	// RetryMode is aws.RetryModeAdaptive (the default: backoff plus
	// client-side rate adaptation after throttling) or
	// aws.RetryModeStandard (backoff only; the per-account rate limit
	// still applies). Adaptive mode can fall to its floor of 0.5 requests
	// per second after a throttle early in a client's life.
	RetryMode aws.RetryMode
	// MaxAttempts and MaxBackoff tune the SDK's retryer; 0 means 8
	// attempts and 20s.
	MaxAttempts int
	MaxBackoff  time.Duration
	// PollInterval is how often command status and ping status are read;
	// 0 means 5s.
	PollInterval time.Duration
	// CommandTimeout bounds the wait for one command of a call without a
	// deadline (scans; an install waits until its request's Deadline
	// instead); then the provider cancels it and reports the unfinished
	// instances as stopped. 0 means 3h.
	CommandTimeout time.Duration
	// CommandLookback is how far back a call looks for the commands of an
	// earlier attempt (ListCommands InvokedAfter) before sending its own;
	// 0 means 24h, and it is never shorter than twice CommandTimeout.
	CommandLookback time.Duration
	// Concurrency bounds the per-instance reads (DescribeInstancePatches,
	// ListInventoryEntries) in flight per call; 0 means 8.
	Concurrency int
	// Baselines supplies the baselines that a Scan evaluates when the
	// call's context carries none (see WithBaselines).
	Baselines BaselineSource
	// MinAgentVersion is the SSM Agent version below which Preflight
	// warns (agent-outdated); "" means DefaultMinAgentVersion.
	MinAgentVersion string
}

// Endpoints are per-service endpoint overrides ("" keeps AWS's). With an
// S3 endpoint, S3 is addressed path-style. EC2 (snapshots and
// pre-flight's DescribeInstances) defaults to the SSM override, as
// before EC2 had its own: the emulator answers both on one URL.
type Endpoints struct {
	SSM, STS, S3, CloudWatch, EC2 string
}

func (c Config) withDefaults() Config {
	if c.Endpoints.EC2 == "" {
		c.Endpoints.EC2 = c.Endpoints.SSM
	}
	if c.Prefix == "" {
		c.Prefix = "fleetpatch/"
	}
	if c.SessionName == "" {
		c.SessionName = "fleetpatch"
	}
	if c.Rate <= 0 {
		c.Rate = 10
	}
	if c.Burst <= 0 {
		c.Burst = max(int(c.Rate), 1)
	}
	if c.RetryMode == "" {
		c.RetryMode = aws.RetryModeAdaptive
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = 20 * time.Second
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 5 * time.Second
	}
	if c.CommandTimeout <= 0 {
		c.CommandTimeout = 3 * time.Hour
	}
	if c.CommandLookback <= 0 {
		c.CommandLookback = 24 * time.Hour
	}
	c.CommandLookback = max(c.CommandLookback, 2*c.CommandTimeout)
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.MinAgentVersion == "" {
		c.MinAgentVersion = DefaultMinAgentVersion
	}
	return c
}

// bucket returns a token bucket for one service of one account and
// region: the target's limit, each zero field taking Rate or Burst.
func (c Config) bucket(l policy.RateLimit) *rate.Limiter {
	if l.PerSecond <= 0 {
		l.PerSecond = c.Rate
	}
	if l.Burst <= 0 {
		l.Burst = c.Burst
	}
	return rate.NewLimiter(rate.Limit(l.PerSecond), l.Burst)
}

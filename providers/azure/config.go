package azure

import (
	"crypto/tls"
	"crypto/x509"
	"github.com/fleetpatch/fleetpatch/fleet"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/fleetpatch/fleetpatch/policy"
)

// Config configures the provider. Only Targets is required.
type Config struct {
	// Targets are the subscriptions (and resource groups) of the policy.
	Targets []policy.AzureSubscription
	// Credential authenticates to ARM; nil means
	// azidentity.DefaultAzureCredential (environment, workload identity,
	// managed identity, Azure CLI).
	Credential azcore.TokenCredential
	// Cloud overrides the cloud: the ARM endpoint and token audience of
	// cloud.ResourceManager (for sovereign clouds or the emulator). The
	// zero value is Azure public cloud.
	Cloud cloud.Configuration
	// RootCAs, when set, replaces the system roots for TLS to ARM (the
	// emulator's self-signed certificate).
	RootCAs *x509.CertPool
	// Concurrency bounds the machines of one subscription that one batch
	// drives at once; 0 means a whole batch (50). The request rates below
	// pace the calls across batches.
	Concurrency int
	// ReadRate/ReadBurst and WriteRate/WriteBurst are the token buckets of
	// each subscription's ARM reads and writes, every attempt counted; 0
	// means ARM's own limits (DefaultReadRate and friends). A target's
	// Rates (the policy's targets.azure[].rates) replace them for its
	// subscription, field by field.
	ReadRate, WriteRate   float64
	ReadBurst, WriteBurst int
	// PollInterval is how often a long-running operation is polled; 0
	// means 10s.
	PollInterval time.Duration
	// MaxRetries, RetryDelay and MaxRetryDelay tune azcore's retry policy
	// (429 and 5xx, honouring Retry-After); 0 means 6, 2s and 60s.
	MaxRetries    int32
	RetryDelay    time.Duration
	MaxRetryDelay time.Duration
	// ReadyTimeout bounds WaitReady: machines not back by then are
	// reported not ready; 0 means 30m.
	ReadyTimeout time.Duration
	// PageSize is the Resource Graph page ($top); 0 means 1000.
	PageSize int32
	// ReportGrace is how long past an install's deadline (the window's
	// end) the provider still polls installPatches for its result: Azure
	// stops the install at its maximumDuration, which ends at the
	// deadline, then reports (after the reboot, if one was needed). Past
	// it the machine is reported with its outcome unknown. 0 means 15m.
	ReportGrace time.Duration
	// GraphWait bounds how long an Arc scan or install waits for Resource
	// Graph to show the operation's per-patch results (polled every
	// PollInterval); 0 means 5m. Past it the machine's result says the
	// detail is not available.
	GraphWait time.Duration
	// Transport replaces the HTTP transport (the SDK's fake servers in
	// unit tests); nil uses net/http with RootCAs.
	Transport azpolicy.Transporter
	// Resume keeps installPatches resume tokens across worker restarts;
	// nil keeps them in memory (lost with the process).
	Resume ResumeStore
}

func (c Config) withDefaults() Config {
	if c.Concurrency <= 0 {
		c.Concurrency = fleet.MaxBatch
	}
	if c.ReadRate <= 0 {
		c.ReadRate, c.ReadBurst = DefaultReadRate, max(c.ReadBurst, DefaultReadBurst)
	}
	if c.WriteRate <= 0 {
		c.WriteRate, c.WriteBurst = DefaultWriteRate, max(c.WriteBurst, DefaultWriteBurst)
	}
	c.ReadBurst, c.WriteBurst = max(c.ReadBurst, 1), max(c.WriteBurst, 1)
	if c.PollInterval <= 0 {
		c.PollInterval = 10 * time.Second
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 6
	}
	if c.RetryDelay <= 0 {
		c.RetryDelay = 2 * time.Second
	}
	if c.MaxRetryDelay <= 0 {
		c.MaxRetryDelay = 60 * time.Second
	}
	if c.ReadyTimeout <= 0 {
		c.ReadyTimeout = 30 * time.Minute
	}
	if c.ReportGrace <= 0 {
		c.ReportGrace = 15 * time.Minute
	}
	if c.GraphWait <= 0 {
		c.GraphWait = 5 * time.Minute
	}
	if c.PageSize <= 0 {
		c.PageSize = 1000
	}
	if c.Resume == nil {
		c.Resume = NewMemoryResumeStore()
	}
	if c.Cloud.ActiveDirectoryAuthorityHost == "" && len(c.Cloud.Services) == 0 {
		c.Cloud = cloud.AzurePublic
	}
	return c
}

// clientOptions are the ARM client options of every client; they share
// one set of per-subscription request buckets.
func (c Config) clientOptions() *arm.ClientOptions {
	o := &arm.ClientOptions{ClientOptions: azpolicy.ClientOptions{
		Cloud:            c.Cloud,
		Retry:            azpolicy.RetryOptions{MaxRetries: c.MaxRetries, RetryDelay: c.RetryDelay, MaxRetryDelay: c.MaxRetryDelay},
		PerRetryPolicies: []azpolicy.Policy{newARMLimits(c.ReadRate, c.ReadBurst, c.WriteRate, c.WriteBurst, c.Targets)},
	}}
	if c.Transport != nil {
		o.Transport = c.Transport
	} else if c.RootCAs != nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{RootCAs: c.RootCAs, MinVersion: tls.VersionTLS12}
		o.Transport = &http.Client{Transport: tr}
	}
	return o
}

// EmulatorCloud returns the cloud configuration of an ARM endpoint such as
// the emulator's, with the public cloud's token audience.
func EmulatorCloud(endpoint string) cloud.Configuration {
	return cloud.Configuration{
		ActiveDirectoryAuthorityHost: cloud.AzurePublic.ActiveDirectoryAuthorityHost,
		Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: endpoint, Audience: "https://management.azure.com"},
		},
	}
}

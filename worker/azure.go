package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	azureprov "github.com/fleetpatch/fleetpatch/providers/azure"
	"github.com/fleetpatch/fleetpatch/providers/multi"
)

// azureConfig is the configuration of provider "azure" (see docs/azure.md).
type azureConfig struct {
	// Endpoint and Audience override the ARM endpoint and token audience
	// (sovereign clouds, the emulator); CAFile is a PEM bundle to trust.
	Endpoint, Audience, CAFile string
	// Emulator authenticates with the emulator's static test token
	// instead of DefaultAzureCredential; it needs Endpoint.
	Emulator     bool
	Concurrency  int
	PollInterval time.Duration
}

func (a *azureConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&a.Endpoint, "azure-endpoint", "", "ARM endpoint override, e.g. the emulator's https://127.0.0.1:8443")
	fs.StringVar(&a.Audience, "azure-audience", "https://management.azure.com", "ARM token audience")
	fs.StringVar(&a.CAFile, "azure-ca", "", "PEM file of CA certificates to trust for ARM, e.g. the emulator's")
	fs.BoolVar(&a.Emulator, "azure-emulator", false, "the ARM endpoint is the emulator (cloudsim's fleetsim): send its static test token, not DefaultAzureCredential's")
	fs.IntVar(&a.Concurrency, "azure-concurrency", 0, "machines of one subscription a batch drives at once (0: the whole batch); ARM's request limits pace the calls")
	fs.DurationVar(&a.PollInterval, "azure-poll", 10*time.Second, "how often long-running operations are polled")
}

// check refuses the emulator's token without an emulator endpoint, so it
// is never sent to Azure.
func (a azureConfig) check() error {
	if a.Emulator && a.Endpoint == "" {
		return errors.New("--azure-emulator needs --azure-endpoint (the emulator's URL)")
	}
	return nil
}

// newAzureProvider builds the Azure provider over the policy's Azure
// targets (with their targets.azure[].rates; subscriptions without them
// get ARM's limits), with azidentity's default credential chain (the
// emulator's static token with --azure-emulator). Resume tokens of running
// installs are kept in resume, which every worker must share (the artifact
// store).
func newAzureProvider(cfg config, resume azureprov.ResumeStore) (*azureprov.Provider, error) {
	pol, err := policy.Load(cfg.Policy)
	if err != nil {
		return nil, err
	}
	if len(pol.Targets.Azure) == 0 {
		return nil, fmt.Errorf("provider azure: the policy %s lists no Azure targets", cfg.Policy)
	}
	pc := azureprov.Config{Targets: pol.Targets.Azure, Concurrency: cfg.Azure.Concurrency, PollInterval: cfg.Azure.PollInterval,
		Resume: resume}
	if cfg.Azure.Endpoint != "" {
		pc.Cloud = cloud.AzurePublic
		pc.Cloud.Services = map[cloud.ServiceName]cloud.ServiceConfiguration{
			cloud.ResourceManager: {Endpoint: cfg.Azure.Endpoint, Audience: cfg.Azure.Audience}}
	}
	if cfg.Azure.Emulator {
		pc.Credential = azureprov.StaticCredential("fleetpatch-emulator")
	}
	if cfg.Azure.CAFile != "" {
		pem, err := os.ReadFile(cfg.Azure.CAFile)
		if err != nil {
			return nil, err
		}
		pc.RootCAs = x509.NewCertPool()
		if !pc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("azure: no certificate in %s", cfg.Azure.CAFile)
		}
	}
	return azureprov.New(pc)
}

// newCloudProvider builds provider "azure", or "multi": AWS and Azure
// behind one router. The Azure provider keeps its resume tokens in store.
func newCloudProvider(ctx context.Context, cfg config, store activities.Store) (fleet.Provider, error) {
	az, err := newAzureProvider(cfg, activities.Tokens{Store: store, Dir: azureprov.ResumeDir})
	if err != nil {
		return nil, err
	}
	if cfg.Provider == "azure" {
		return az, nil
	}
	aws, err := newAWSProvider(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: aws, fleet.CloudAzure: az}), nil
}

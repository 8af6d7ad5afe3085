package main

import (
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/policy"
	azureprov "github.com/fleetpatch/fleetpatch/providers/azure"
)

// azureSimProvider serves the Azure Resource Manager emulator over the
// simulated fleet (HTTPS, with a certificate made at start) and returns the
// real Azure provider pointed at it and trusting that certificate only.
func azureSimProvider(f *cloudsim.Fleet, policyPath string, resume azureprov.ResumeStore) (*azureprov.Provider, string, func(), error) {
	pol, err := policy.Load(policyPath)
	if err != nil {
		return nil, "", nil, err
	}
	front := azurefront.New(f, azurefront.Options{})
	url, err := front.Start()
	if err != nil {
		return nil, "", nil, err
	}
	p, err := azureprov.New(azureprov.Config{Targets: pol.Targets.Azure, Credential: azureprov.StaticCredential("dev"),
		Cloud: azureprov.EmulatorCloud(url), RootCAs: front.CertPool(), PollInterval: time.Second,
		Resume: resume})
	if err != nil {
		front.Close()
		return nil, "", nil, err
	}
	return p, url, front.Close, nil
}

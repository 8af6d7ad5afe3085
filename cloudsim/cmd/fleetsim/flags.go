package main

import (
	"flag"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/fleetsim"
)

// faultFlags are the flags that set the fleet's faults.
var faultFlags = map[string]bool{
	"scan-failure-rate": true, "install-failure-rate": true, "reboot-hang-rate": true, "offline-rate": true,
}

// parseFlags reads the command line into the service's configuration.
func parseFlags(args []string) (fleetsim.Config, error) {
	var c fleetsim.Config
	var faults cloudsim.Faults
	var installFailure float64
	fs := flag.NewFlagSet("fleetsim", flag.ContinueOnError)
	fs.StringVar(&c.AWSAddr, "aws-addr", "127.0.0.1:4566", "listen address of the AWS emulator (SSM, STS, S3; HTTP)")
	fs.StringVar(&c.AzureAddr, "azure-addr", "127.0.0.1:8443", "listen address of the Azure emulator (ARM, Resource Graph, Arc; HTTPS)")
	fs.StringVar(&c.AdminAddr, "admin-addr", "127.0.0.1:4580", "listen address of the admin API (/admin/...)")
	fs.StringVar(&c.AzureCAFile, "azure-ca", "", "file to write the Azure emulator's certificate to (PEM, for clients to trust); default: a temporary file")
	fs.StringVar(&c.AzureKeyFile, "azure-key", "", "file keeping the certificate's private key, so that a restart reuses the certificate")
	fs.IntVar(&c.Fleet.Instances, "fleet", cloudsim.DefaultInstances, "simulated instances (when --state has no fleet yet)")
	fs.Int64Var(&c.Fleet.Seed, "seed", 1, "fleet seed (when --state has no fleet yet)")
	fs.Float64Var(&c.Fleet.Speed, "speed", 1, "simulated clock speed-up (1 keeps the fleet on the wall clock, which window deadlines assume)")
	fs.StringVar(&c.State, "state", "", "fleet file: loaded at start, saved periodically and on SIGTERM (.gz compresses)")
	fs.DurationVar(&c.SaveEvery, "save-every", 0, "interval of saves with --state (default 10s)")
	fs.Float64Var(&faults.ScanFailureRate, "scan-failure-rate", 0, "share of scan attempts that fail")
	fs.Float64Var(&installFailure, "install-failure-rate", 0, "share of install attempts (per instance) whose packages fail")
	fs.Float64Var(&faults.RebootHangRate, "reboot-hang-rate", 0, "share of reboots that never come back")
	fs.Float64Var(&faults.OfflineRate, "offline-rate", 0, "share of instances whose agent is offline")
	fs.Float64Var(&c.ThrottleShare, "throttle", 0, "share of cloud API calls answered throttled (ThrottlingException, 429)")
	fs.IntVar(&c.AWSPageSize, "aws-page-size", 0, "largest page of AWS lists (default 5)")
	fs.IntVar(&c.AzurePageSize, "azure-page-size", 0, "largest Resource Graph page (default 25)")
	fs.IntVar(&c.ArcMachines, "arc", 0, "Azure VMs presented as Arc-enabled servers")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || faultFlags[f.Name] })
	if given {
		if installFailure > 0 {
			faults.InstallFailures = []cloudsim.PackageFailure{{Package: cloudsim.AnyPackage, Rate: installFailure}}
		}
		c.Faults = &faults
	}
	return c, nil
}

// Package fleetsim runs one simulated fleet behind both cloud emulators as
// one long-lived service: the AWS emulator (SSM, STS, S3; plain HTTP), the
// Azure emulator (ARM, Resource Graph, Arc; HTTPS with its own
// certificate) and an admin API for checks (call logs, the fleet's install
// journal, installed versions, faults at runtime). The command
// cloudsim/cmd/fleetsim serves it; tests start it in-process with Start.
package fleetsim

import (
	"log/slog"
	"math"
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim"
)

// Config configures the service. The zero value serves a default fleet on
// free loopback ports.
type Config struct {
	// Fleet generates the fleet when State names no saved fleet yet.
	Fleet cloudsim.Config
	// Faults, when set, replace the fleet's faults at start; when nil a
	// loaded fleet keeps the faults it was saved with.
	Faults *cloudsim.Faults
	// State is the file the fleet is loaded from at start (generated and
	// saved there when missing) and saved to every SaveEvery and at Close
	// (gzip when it ends in ".gz"); "" keeps the fleet in memory only.
	State string
	// SaveEvery is the interval of saves; 0 means 10s.
	SaveEvery time.Duration
	// AWSAddr, AzureAddr and AdminAddr are the listen addresses; "" means
	// 127.0.0.1:0 (a free port).
	AWSAddr, AzureAddr, AdminAddr string
	// AzureCAFile receives the Azure emulator's certificate (PEM), which
	// clients trust as their CA; "" writes it into a temporary directory
	// removed at Close. AzureKeyFile keeps the certificate's private key:
	// when both files hold a matching pair, valid for a day more and for
	// AzureAddr's host, a restart reuses it, so that running clients keep
	// trusting the emulator; "" makes a new certificate at every start.
	AzureCAFile, AzureKeyFile string
	// ThrottleShare is the share of cloud API calls answered throttled
	// (AWS ThrottlingException, Azure 429 with Retry-After): every
	// round(1/share)-th call of each emulator; 0 means none.
	ThrottleShare float64
	// AWSPageSize and AzurePageSize cap list pages; 0 keeps the emulators'
	// defaults (5 and 25).
	AWSPageSize, AzurePageSize int
	// ArcMachines is how many Azure VMs (the first in fleet order) the
	// Azure emulator presents as Arc-enabled servers.
	ArcMachines int
	// Log receives errors of periodic saves; nil discards them.
	Log *slog.Logger
}

// throttleEvery turns a share of calls into "every Nth call".
func throttleEvery(share float64) int {
	switch {
	case share <= 0:
		return 0
	case share >= 1:
		return 1
	}
	return max(int(math.Round(1/share)), 1)
}

// saveEvery is the save interval with its default.
func (c Config) saveEvery() time.Duration {
	if c.SaveEvery <= 0 {
		return 10 * time.Second
	}
	return c.SaveEvery
}

// addr is a listen address with its default.
func addr(a string) string {
	if a == "" {
		return "127.0.0.1:0"
	}
	return a
}

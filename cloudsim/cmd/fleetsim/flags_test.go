package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
)

func TestFleetsimFlagsSetTheChaosSuitesFaults(t *testing.T) {
	c, err := parseFlags([]string{"--fleet", "1000", "--seed", "7", "--state", "/tmp/fleet.json.gz",
		"--scan-failure-rate", "0.05", "--install-failure-rate", "0.03", "--reboot-hang-rate", "0.01", "--throttle", "0.2"})
	require.NoError(t, err)
	require.Equal(t, 1000, c.Fleet.Instances)
	require.Equal(t, int64(7), c.Fleet.Seed)
	require.Equal(t, "/tmp/fleet.json.gz", c.State)
	require.Equal(t, 0.2, c.ThrottleShare)
	require.Equal(t, &cloudsim.Faults{ScanFailureRate: 0.05, RebootHangRate: 0.01,
		InstallFailures: []cloudsim.PackageFailure{{Package: cloudsim.AnyPackage, Rate: 0.03}}}, c.Faults)

	c, err = parseFlags([]string{"--state", "/tmp/fleet.json.gz"})
	require.NoError(t, err)
	require.Nil(t, c.Faults, "without fault flags a saved fleet keeps its faults")
}

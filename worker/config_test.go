package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

func TestConfigFlagsWinOverEnvironmentAndBadValuesNameTheVariable(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "temporal.example.com:7233")
	t.Setenv("FLEETPATCH_SIM_FLEET", "300")
	t.Setenv("FLEETPATCH_AWS_RATE", "2.5")
	c, err := parseConfig([]string{"--namespace", "fleetpatch"})
	require.NoError(t, err)
	opts, err := c.Conn.Options()
	require.NoError(t, err)
	require.Equal(t, "temporal.example.com:7233", opts.HostPort, "environment default")
	require.Equal(t, "fleetpatch", opts.Namespace)
	require.Equal(t, 300, c.SimSize)
	require.Equal(t, 2.5, c.AWS.Rate)
	require.Equal(t, "fleetpatch-data/reports", c.ReportDir)

	c, err = parseConfig([]string{"--address", "localhost:9999"})
	require.NoError(t, err)
	opts, err = c.Conn.Options()
	require.NoError(t, err)
	require.Equal(t, "localhost:9999", opts.HostPort, "the flag wins")

	t.Setenv("FLEETPATCH_SIM_FLEET", "lots")
	_, err = parseConfig(nil)
	require.ErrorContains(t, err, `environment variable FLEETPATCH_SIM_FLEET="lots"`)
}

// Every environment variable belongs to a flag, and the flag's usage names it.
func TestEveryEnvironmentVariableNamesAFlag(t *testing.T) {
	fs := newFlagSet(&config{})
	for name, env := range envVars {
		f := fs.Lookup(name)
		require.NotNil(t, f, "envVars names an unknown flag %q", name)
		require.Contains(t, f.Usage, "(env "+env+")")
	}
}

func TestConfigEmulatorFlagsComeFromTheEnvironmentToo(t *testing.T) {
	t.Setenv("FLEETPATCH_PROVIDER", "multi")
	t.Setenv("FLEETPATCH_AWS_ENDPOINT", "http://127.0.0.1:4566")
	t.Setenv("FLEETPATCH_AWS_POLL", "250ms")
	t.Setenv("FLEETPATCH_AZURE_ENDPOINT", "https://127.0.0.1:8443")
	t.Setenv("FLEETPATCH_AZURE_CA", "/run/fleetsim/azure-ca.pem")
	t.Setenv("FLEETPATCH_AZURE_EMULATOR", "true")
	t.Setenv("FLEETPATCH_AZURE_POLL", "100ms")
	c, err := parseConfig([]string{"--aws-s3-endpoint", "http://127.0.0.1:9000"})
	require.NoError(t, err)
	require.Equal(t, "multi", c.Provider)
	require.Equal(t, awsprov.Endpoints{SSM: "http://127.0.0.1:4566", STS: "http://127.0.0.1:4566", S3: "http://127.0.0.1:9000",
		EC2: "http://127.0.0.1:4566", CloudWatch: "http://127.0.0.1:4566"},
		c.AWS.endpoints(), "one endpoint for every service, a flag for one")
	require.Equal(t, 250*time.Millisecond, c.AWS.PollInterval)
	require.Equal(t, azureConfig{Endpoint: "https://127.0.0.1:8443", Audience: "https://management.azure.com",
		CAFile: "/run/fleetsim/azure-ca.pem", Emulator: true, Concurrency: 0, PollInterval: 100 * time.Millisecond}, c.Azure)
}

func TestConfigAzureEmulatorTokenNeedsAnEmulatorEndpoint(t *testing.T) {
	_, err := parseConfig([]string{"--provider", "azure", "--azure-emulator"})
	require.ErrorContains(t, err, "--azure-emulator needs --azure-endpoint")

	c, err := parseConfig([]string{"--provider", "azure"})
	require.NoError(t, err)
	require.False(t, c.Azure.Emulator, "DefaultAzureCredential unless asked")
}

package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConfigFlagsWinOverEnvironmentAndBadValuesNameTheVariable(t *testing.T) {
	t.Setenv("TEMPORAL_ADDRESS", "temporal.example.com:7233")
	t.Setenv("FLEETPATCH_SIM_FLEET", "300")
	t.Setenv("FLEETPATCH_AWS_RATE", "2.5")
	c, err := parseConfig([]string{"--namespace", "fleetpatch"})
	require.NoError(t, err)
	require.Equal(t, "temporal.example.com:7233", c.Address, "environment default")
	require.Equal(t, "fleetpatch", c.Namespace)
	require.Equal(t, 300, c.SimSize)
	require.Equal(t, 2.5, c.AWS.Rate)
	require.Equal(t, "fleetpatch-data/reports", c.ReportDir)

	c, err = parseConfig([]string{"--address", "localhost:9999"})
	require.NoError(t, err)
	require.Equal(t, "localhost:9999", c.Address, "the flag wins")

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

package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// policyWithFreeze is the end-to-end policy with a freeze calendar
// "test-freeze" over [from, to), honoured by group.
func policyWithFreeze(t *testing.T, group string, from, to time.Time) *policy.Policy {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(examplePolicy)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(examplePolicy, e.Name()))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600))
	}
	freezes := "freezes:\n  - name: test-freeze\n    description: the test's change freeze\n    ranges: [{start: \"" +
		from.UTC().Format(time.RFC3339) + "\", end: \"" + to.UTC().Format(time.RFC3339) + "\"}]\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "zz-test-freezes.yaml"), []byte(freezes), 0o600))
	pol := e2ePolicyFrom(t, dir)
	pol.Groups[group].Freezes = []string{"test-freeze"}
	require.NoError(t, pol.Validate())
	return pol
}

// A change freeze over the whole cycle's week blocks every install: the
// run ends window-closed and says which freeze; the fleet's own journal
// records no install.
func TestE2EChangeFreezeBlocksInstalls(t *testing.T) {
	s := newStack(t, 120, 0)
	s.pol = policyWithFreeze(t, "prod-auto", time.Now().Add(-time.Hour), time.Now().Add(10*24*time.Hour))
	ids := s.groupIDs("prod-auto")
	r := s.wait(s.start("prod-auto", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusWindowClosed, r.Status)
	require.Contains(t, s.report(r).Header.Reason, "change-freeze test-freeze", "the report says which freeze")
	recs, _ := s.fleet.Journal(ids...)
	require.Empty(t, recs, "no install reached the fleet")
}

// A freeze that ends soon holds the install until it ends: every install
// the fleet records started after the freeze.
func TestE2EChangeFreezeDelaysInstallsUntilItEnds(t *testing.T) {
	s := newStack(t, 120, 0)
	end := time.Now().Add(8 * time.Second).Truncate(time.Second)
	s.pol = policyWithFreeze(t, "prod-auto", time.Now().Add(-time.Hour), end)
	ids := s.groupIDs("prod-auto")
	r := s.wait(s.start("prod-auto", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusCompleted, r.Status, s.report(r).Header.Reason)
	recs, _ := s.fleet.Journal(ids...)
	require.NotEmpty(t, recs)
	for _, rec := range recs {
		require.False(t, rec.Start.Before(end), "%s installed at %s, in the freeze (until %s)", rec.InstanceID, rec.Start, end)
	}
}

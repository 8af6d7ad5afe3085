package activities

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// scanningProvider scans by reporting every instance as needing nothing,
// and counts scans.
type scanningProvider struct {
	fleet.Provider
	scans int
}

func (p *scanningProvider) Scan(_ context.Context, ids []string, _ fleet.Progress) (fleet.ScanResult, error) {
	p.scans++
	var res fleet.ScanResult
	for _, id := range ids {
		res.Instances = append(res.Instances, fleet.InstanceScan{InstanceID: id})
	}
	return res, nil
}

// requireArtifactError checks a retryable error of the given type that
// names the key.
func requireArtifactError(t *testing.T, err error, typ, key string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	require.Equal(t, typ, appErr.Type())
	require.False(t, appErr.NonRetryable(), "an operator may restore it: retryable")
	require.Contains(t, appErr.Error(), key)
}

// A torn scan result is computed again (a scan only reads the fleet); a
// second call returns the rebuilt result without scanning.
func TestADamagedScanResultIsRebuilt(t *testing.T) {
	ctx := context.Background()
	prov := &scanningProvider{}
	a := &Activities{Store: DirStore{Root: t.TempDir()}, Provider: prov}
	run := Run{Group: "g", Cycle: "2026-W48", ID: "run-1"}
	require.NoError(t, putJSON(ctx, a.Store, run.targetsKey(0), []fleet.Instance{{ID: "i-1", Ping: fleet.PingOnline},
		{ID: "i-2", Ping: fleet.PingOnline}, {ID: "i-3", Unreachable: "stopped"}}))
	require.NoError(t, a.Store.Put(ctx, run.scanKey(0), []byte(`{"instances":[{"instanceId":"i-1"`)))

	res, err := a.ScanBatch(ctx, ScanBatchInput{Run: run, Batch: 0})
	require.NoError(t, err)
	require.Equal(t, 2, res.Scanned)
	require.Equal(t, 1, prov.scans)
	var stored fleet.ScanResult
	found, err := getJSON(ctx, a.Store, run.scanKey(0), &stored)
	require.NoError(t, err)
	require.True(t, found)
	require.Len(t, stored.Instances, 2, "the rebuilt result replaced the torn one")

	again, err := a.ScanBatch(ctx, ScanBatchInput{Run: run, Batch: 0})
	require.NoError(t, err)
	require.Equal(t, 1, prov.scans, "the stored result is returned")
	require.Equal(t, res, again, "a retry answers as the first call did")
	require.Equal(t, 1, again.Unreachable)
}

// An install's stored result cannot be computed again (that would install
// again): a damaged one fails the activity with a retryable error naming
// it, and nothing is installed.
func TestADamagedInstallResultIsAnErrorThatNamesIt(t *testing.T) {
	ctx := context.Background()
	a, prov, in := plannedRun(t)
	key := in.Run.waveKey(0, 0, "install")
	require.NoError(t, a.Store.Put(ctx, key, []byte("\x00\x00")))
	_, err := a.InstallBatch(ctx, in)
	requireArtifactError(t, err, ErrArtifactDamaged, key)
	require.ErrorIs(t, err, ErrDamaged)
	require.Zero(t, prov.installs)
}

// A target batch or batch plan that an earlier step stored and that is
// gone is a retryable "lost" error naming it, not bad input.
func TestALostArtifactIsARetryableErrorThatNamesIt(t *testing.T) {
	ctx := context.Background()
	a, prov, in := plannedRun(t)
	plan := in.Run.waveKey(0, 0, "plan")
	require.NoError(t, a.Store.Delete(ctx, plan))
	_, err := a.InstallBatch(ctx, in)
	requireArtifactError(t, err, ErrArtifactLost, plan)
	require.Zero(t, prov.installs)

	require.NoError(t, a.Store.Delete(ctx, in.Run.targetsKey(0)))
	_, err = a.ScanBatch(ctx, ScanBatchInput{Run: in.Run, Batch: 0})
	requireArtifactError(t, err, ErrArtifactLost, in.Run.targetsKey(0))
}

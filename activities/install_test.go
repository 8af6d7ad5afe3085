package activities

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// recordingProvider installs nothing and counts install calls.
type recordingProvider struct {
	fleet.Provider
	installs int
}

func (p *recordingProvider) Install(_ context.Context, req fleet.InstallRequest, _ fleet.Progress) (fleet.InstallResult, error) {
	p.installs++
	var res fleet.InstallResult
	for _, r := range req.Instances {
		res.Instances = append(res.Instances, fleet.InstanceInstall{InstanceID: r.InstanceID})
	}
	return res, nil
}

func (p *recordingProvider) Inventory(_ context.Context, ids []string) ([]fleet.Inventory, error) {
	out := make([]fleet.Inventory, len(ids))
	for i, id := range ids {
		out[i].InstanceID = id
	}
	return out, nil
}

// plannedRun stores targets and a rollout plan over newCheckedRun's
// manifest, and returns the first batch's input.
func plannedRun(t *testing.T) (*Activities, *recordingProvider, BatchInput) {
	t.Helper()
	ctx := context.Background()
	a, run, m := newCheckedRun(t)
	prov := &recordingProvider{}
	a.Provider = prov
	require.NoError(t, putJSON(ctx, a.Store, run.targetsKey(0), []fleet.Instance{{ID: "i-1"}, {ID: "i-2"}}))
	require.NoError(t, putJSON(ctx, a.Store, run.discoveryKey(), DiscoverResult{Total: 2, Batches: 1}))
	plan, err := a.PlanRollout(ctx, PlanInput{Run: run, Approved: Approved{Digest: m.Digest, All: true}})
	require.NoError(t, err)
	require.Equal(t, 2, plan.Instances)
	return a, prov, BatchInput{Run: run, Wave: 0, Batch: 0, Digest: m.Digest, LastStart: testNow.Add(-time.Minute), Deadline: testNow.Add(time.Hour)}
}

// After the window's cutoff an install batch that has not started does
// not start: it reports the window closed and calls no provider. One whose
// earlier attempt stored its pre-install inventory (and may have started
// the cloud's install) is resumed.
func TestInstallBatchStartsNothingAfterTheCutoff(t *testing.T) {
	ctx := context.Background()
	a, prov, in := plannedRun(t)
	res, err := a.InstallBatch(ctx, in)
	require.NoError(t, err)
	require.True(t, res.WindowClosed)
	require.Zero(t, prov.installs)

	require.NoError(t, putJSON(ctx, a.Store, in.Run.waveKey(0, 0, "before"), []fleet.Inventory{}))
	res, err = a.InstallBatch(ctx, in)
	require.NoError(t, err)
	require.False(t, res.WindowClosed)
	require.Equal(t, 1, prov.installs, "the started install is resumed")
}

// A host in another running install batch is not installed on; the batch
// retries later (a retryable error), and installs once the host is free.
func TestInstallBatchWaitsForABusyHost(t *testing.T) {
	ctx := context.Background()
	a, prov, in := plannedRun(t)
	in.LastStart = testNow.Add(time.Hour)
	// maxErrors 0: batches of one instance; batch 0 is i-1.
	require.NoError(t, a.lockHosts(ctx, "prod-auto/2026-W48/run-x/wave-3", []string{"i-1"}, testNow.Add(time.Hour)))
	_, err := a.InstallBatch(ctx, in)
	require.ErrorContains(t, err, "instance i-1 is in another running install batch")
	require.Zero(t, prov.installs)
	require.NoError(t, a.unlockHosts(ctx, "prod-auto/2026-W48/run-x/wave-3", []string{"i-1"}))
	res, err := a.InstallBatch(ctx, in)
	require.NoError(t, err)
	require.Equal(t, 1, res.Instances)
	require.Equal(t, 1, prov.installs)
	// The batch released its host locks.
	require.NoError(t, a.lockHosts(ctx, "another", []string{"i-1", "i-2"}, testNow.Add(time.Hour)))
}

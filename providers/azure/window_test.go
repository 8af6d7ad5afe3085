package azure_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/providers/azure"
)

// installRequest scans the VMs and asks to install everything they miss.
func (e *env) installRequest(t *testing.T, ids []string) fleet.InstallRequest {
	t.Helper()
	scan, err := e.prov.Scan(t.Context(), ids, nil)
	require.NoError(t, err)
	req := fleet.InstallRequest{CycleID: "2026-W48", Patches: scan.Catalog, Reboot: fleet.NoReboot}
	for _, sc := range scan.Instances {
		require.Empty(t, sc.Error)
		ir := fleet.InstanceInstallRequest{InstanceID: sc.InstanceID}
		for _, ps := range sc.Patches {
			ir.PatchIDs = append(ir.PatchIDs, ps.PatchID)
		}
		req.Instances = append(req.Instances, ir)
	}
	return req
}

// installPatchesCalls counts the installPatches requests the emulator got.
func (e *env) installPatchesCalls() int {
	n := 0
	for _, c := range e.front.Calls() {
		if c.Op == "installPatches" {
			n++
		}
	}
	return n
}

func TestInstallOutlastingTheWindowStopsAtItsEndAndNoneStartsAfterTheCutoff(t *testing.T) {
	e := newEnv(t, 60, azurefront.Options{}, nil)
	ids := e.needy(fleet.OSUbuntu)[:3]
	slow := ids[0]
	// One machine at a time: the fleet's virtual clock jumps to the end
	// of a slow install, which would shorten a concurrent one's window.
	e.fleet.SetFaults(cloudsim.Faults{SlowInstallInstances: []string{slow}, SlowInstallDelay: time.Hour})
	req := e.installRequest(t, []string{slow})
	req.LastStart, req.Deadline = time.Now().Add(10*time.Minute), time.Now().Add(30*time.Minute)
	before := e.versions(t, slow)
	res, err := e.prov.Install(t.Context(), req, nil)
	require.NoError(t, err)
	require.Contains(t, res.Instances[0].Error, "maintenance window exceeded: the install did not finish within maximumDuration PT29M")
	require.Equal(t, before, e.versions(t, slow), "stopped at the window's end, nothing installed")
	require.Equal(t, 1, e.installPatchesCalls())

	// After the cutoff nothing starts, on the slow VM (its operation is
	// resumed: it ended) nor on the others (not started).
	req = e.installRequest(t, ids)
	req.LastStart, req.Deadline = time.Now().Add(-time.Second), time.Now().Add(30*time.Minute)
	res, err = e.prov.Install(t.Context(), req, nil)
	require.NoError(t, err)
	for _, r := range res.Instances[1:] {
		require.True(t, r.NotStarted, r.InstanceID)
		require.Contains(t, r.Error, req.LastStart.UTC().Format(time.RFC3339))
	}
	require.Equal(t, 1, e.installPatchesCalls(), "no installPatches after the cutoff")
	others := e.installRequest(t, ids[1:])
	others.LastStart, others.Deadline = req.LastStart, req.Deadline
	_, err = e.prov.Install(t.Context(), others, nil)
	require.ErrorIs(t, err, fleet.ErrWindowClosed, "none of the machines started: the call is refused")
	for _, id := range ids {
		require.Zero(t, e.fleet.InstallCount(id), id)
	}
}

func TestRetryAfterTheCutoffResumesTheRunningInstallAndStopsWaitingAtTheWindowsEnd(t *testing.T) {
	// A fleet on a clock that does not move: the install never ends.
	clock := cloudsim.NewManualClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	f := cloudsim.Generate(cloudsim.Config{Seed: 11, Instances: 60, Clock: clock, AzureShare: 0.6,
		OSMix: []cloudsim.Share{{Key: cloudsim.ProductUbuntu2204, Weight: 1}}})
	front := azurefront.New(f, azurefront.Options{})
	url, err := front.Start()
	require.NoError(t, err)
	t.Cleanup(front.Close)
	store := azure.NewMemoryResumeStore()
	provider := func(grace time.Duration) *azure.Provider {
		p, err := azure.New(azure.Config{Targets: targets, Credential: azure.StaticCredential("t"), Cloud: azure.EmulatorCloud(url),
			RootCAs: front.CertPool(), PollInterval: 5 * time.Millisecond, Resume: store, ReportGrace: grace})
		require.NoError(t, err)
		return p
	}
	var id string
	for _, in := range f.Instances() {
		if p, _ := f.PendingPatches(in.ID); in.Cloud == fleet.CloudAzure && len(p) > 0 && id == "" {
			id = in.ID
		}
	}
	require.NotEmpty(t, id)
	pending, err := f.PendingPatches(id)
	require.NoError(t, err)
	req := fleet.InstallRequest{CycleID: "2026-W48", Reboot: fleet.NoReboot,
		LastStart: time.Now().Add(time.Hour), Deadline: time.Now().Add(2 * time.Hour)}
	ir := fleet.InstanceInstallRequest{InstanceID: id}
	for _, pt := range pending {
		req.Patches = append(req.Patches, pt.Patch)
		ir.PatchIDs = append(ir.PatchIDs, pt.ID)
	}
	req.Instances = []fleet.InstanceInstallRequest{ir}

	// The first worker starts the install and dies while it polls.
	ctx, kill := context.WithCancel(t.Context())
	_, err = provider(0).Install(ctx, req, func(int, int) { kill() })
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 1, store.Len())

	// The window closes; the retry resumes the running install (no
	// second one), and stops waiting for it a grace after the window's end.
	late := req
	late.LastStart, late.Deadline = time.Now().Add(-time.Hour), time.Now()
	res, err := provider(200*time.Millisecond).Install(t.Context(), late, nil)
	require.NoError(t, err)
	r := res.Instances[0]
	require.Contains(t, r.Error, "installPatches was still running 200ms after the window's end "+late.Deadline.UTC().Format(time.RFC3339))
	require.Len(t, r.Changes, len(pending))
	for _, c := range r.Changes {
		require.Equal(t, fleet.StateFailed, c.State)
	}
	require.Equal(t, 1, front.Count("installPatches", id), "resumed, never started twice")
	require.Equal(t, 1, store.Len(), "the token is kept: the install may still be running")
	require.Zero(t, f.InstallCount(id))
}

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

// installAll scans the VMs and installs everything they miss.
func installAll(t *testing.T, e *env, ids []string, reboot fleet.RebootOption, deadline time.Time) fleet.InstallResult {
	t.Helper()
	req := e.installRequest(t, ids)
	req.Reboot, req.Deadline = reboot, deadline
	res, err := e.prov.Install(t.Context(), req, nil)
	require.NoError(t, err)
	return res
}

func TestThrottlingStormIsRetriedAfterRetryAfter(t *testing.T) {
	e := newEnv(t, 60, azurefront.Options{RetryAfter: 50 * time.Millisecond}, nil)
	ids := e.needy(fleet.OSUbuntu)[:4]
	e.front.ThrottleNext(6)
	res, err := e.prov.Scan(t.Context(), ids, nil)
	require.NoError(t, err)
	for _, sc := range res.Instances {
		require.Empty(t, sc.Error, sc.InstanceID)
		require.NotEmpty(t, sc.Patches)
	}
	calls := e.front.Calls()
	throttled := 0
	for i, c := range calls {
		if c.Status != 429 {
			continue
		}
		throttled++
		// The retry of a throttled request comes no sooner than Retry-After.
		for _, next := range calls[i+1:] {
			if next.Method == c.Method && next.Path == c.Path {
				require.GreaterOrEqual(t, next.At.Sub(c.At), 40*time.Millisecond)
				break
			}
		}
	}
	require.Equal(t, 6, throttled)

	// A storm longer than the retries fails the call as throttled, so the
	// activity retries it.
	e2 := newEnv(t, 60, azurefront.Options{RetryAfter: 10 * time.Millisecond}, func(c *azure.Config) { c.MaxRetries = 2 })
	e2.front.ThrottleNext(1000)
	_, err = e2.prov.Scan(t.Context(), e2.needy(fleet.OSUbuntu)[:2], nil)
	require.ErrorIs(t, err, fleet.ErrThrottled, "%v", err)
}

func TestDeallocatedVMIsReportedNotPatched(t *testing.T) {
	e := newEnv(t, 60, azurefront.Options{}, nil)
	ids := e.needy(fleet.OSUbuntu)[:2]
	e.front.Deallocate(ids[0], true)
	res, err := e.prov.Scan(t.Context(), ids, nil)
	require.NoError(t, err)
	require.Contains(t, res.Instances[0].Error, "OperationNotAllowed")
	require.Contains(t, res.Instances[0].Error, "deallocated")
	require.Empty(t, res.Instances[1].Error)
	inst, err := e.prov.Install(t.Context(), fleet.InstallRequest{CycleID: "c", Patches: res.Catalog, Reboot: fleet.NoReboot,
		Instances: []fleet.InstanceInstallRequest{{InstanceID: ids[0], PatchIDs: []string{res.Catalog[0].ID}}}}, nil)
	require.NoError(t, err)
	require.Contains(t, inst.Instances[0].Error, "deallocated")
	require.Zero(t, e.fleet.InstallCount(ids[0]))
}

func TestInstallThatExceedsMaximumDuration(t *testing.T) {
	e := newEnv(t, 60, azurefront.Options{}, nil)
	ids := e.needy(fleet.OSUbuntu)[:2]
	e.fleet.SetFaults(cloudsim.Faults{SlowInstallInstances: ids[:1], SlowInstallDelay: time.Hour})
	before := e.versions(t, ids[0])
	res := installAll(t, e, ids, fleet.NoReboot, time.Now().Add(30*time.Minute))
	slow := res.Instances[0]
	require.Contains(t, slow.Error, "maintenance window exceeded")
	require.Contains(t, slow.Error, "PT29M")
	require.NotEmpty(t, slow.Changes)
	for _, c := range slow.Changes {
		require.Equal(t, fleet.StateFailed, c.State)
		require.Contains(t, c.Error, "maintenanceWindowExceeded")
	}
	require.Equal(t, before, e.versions(t, ids[0]), "nothing installed past the window")
	require.Empty(t, res.Instances[1].Error)
}

func TestRebootThatNeverCompletes(t *testing.T) {
	e := newEnv(t, 80, azurefront.Options{}, nil)
	var id string
	for _, c := range e.azureIDs(fleet.OSUbuntu) {
		pending, _ := e.fleet.PendingPatches(c)
		for _, p := range pending {
			if p.RequiresReboot {
				id = c
			}
		}
	}
	require.NotEmpty(t, id, "a VM with a kernel or libc update")
	e.fleet.SetFaults(cloudsim.Faults{RebootHangInstances: []string{id}})
	res := installAll(t, e, []string{id}, fleet.RebootIfNeeded, time.Now().Add(2*time.Hour))
	r := res.Instances[0]
	require.True(t, r.Rebooted)
	require.Contains(t, r.Error, "reboot")
	ready, err := e.prov.WaitReady(t.Context(), []string{id}, nil)
	require.NoError(t, err)
	require.False(t, ready[0].Ready)
	require.Contains(t, ready[0].Error, "Not Ready")
}

func TestRetriedInstallResumesTheRunningOperation(t *testing.T) {
	e := newEnv(t, 60, azurefront.Options{}, nil)
	id := e.needy(fleet.OSUbuntu)[0]
	res, _ := e.installInterruptedThenResumed(t, id)
	require.Empty(t, res.Instances[0].Error)
	require.Equal(t, 1, e.front.Count("installPatches", id), "one installPatches, resumed")
	require.Equal(t, 1, e.fleet.InstallCount(id))
	require.Equal(t, 1, e.store.Len(), "the token is kept: a later retry resumes the finished operation")
}

// installInterruptedThenResumed installs every pending patch of one machine
// with a first attempt that dies at its first poll (a worker killed while it
// polls), then again with a new provider over the same resume store (the
// next worker), and returns that second result and the patch IDs.
func (e *env) installInterruptedThenResumed(t *testing.T, id string) (fleet.InstallResult, []string) {
	t.Helper()
	scan, err := e.prov.Scan(t.Context(), []string{id}, nil)
	require.NoError(t, err)
	require.Empty(t, scan.Instances[0].Error)
	var pids []string
	for _, ps := range scan.Instances[0].Patches {
		pids = append(pids, ps.PatchID)
	}
	req := fleet.InstallRequest{CycleID: "2026-W48", Patches: scan.Catalog, Reboot: fleet.NoReboot,
		Instances: []fleet.InstanceInstallRequest{{InstanceID: id, PatchIDs: pids}}}
	ctx, cancel := contextCancelledOnFirstBeat(t)
	_, err = e.prov.Install(ctx, req, func(int, int) { cancel() })
	require.ErrorIs(t, err, context.Canceled, "the first attempt died with its worker")
	require.Equal(t, 1, e.store.Len(), "the running operation's resume token was saved")
	e.prov, err = azure.New(azure.Config{Targets: targets, Credential: azure.StaticCredential("t"), Cloud: azure.EmulatorCloud(e.front.URL()),
		RootCAs: e.front.CertPool(), PollInterval: 5 * time.Millisecond, Resume: e.store})
	require.NoError(t, err)
	res, err := e.prov.Install(t.Context(), req, nil)
	require.NoError(t, err)
	return res, pids
}

// A worker that died between saving its intent and saving the operation's
// token may have started installPatches: the retry does not start another;
// the machine's outcome is left to the verification scan.
func TestAnInstallStartedWithoutItsTokenIsNotStartedAgain(t *testing.T) {
	e := newEnv(t, 60, azurefront.Options{}, nil)
	id := e.needy(fleet.OSUbuntu)[0]
	req := e.installRequest(t, []string{id})
	require.NoError(t, e.store.Save(t.Context(), req.CycleID+"|"+id, "fleetpatch:starting"))
	res, err := e.prov.Install(t.Context(), req, nil)
	require.NoError(t, err)
	require.True(t, res.Instances[0].Unconfirmed)
	require.Contains(t, res.Instances[0].Error, "nothing was started a second time")
	require.Zero(t, e.front.Count("installPatches", id))
}

package cloudsim_test

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// oldestKernels are the catalog's oldest kernel of each Linux release: past
// their live-patch support in the simulation, so their updates reboot.
var oldestKernels = []string{"5.4.0.174.172", "5.15.0.102.99", "6.8.0-31.31", "5.10.213-201.855.amzn2", "6.1.84-99.169.amzn2023"}

func isKernel(p fleet.PatchOnInstance) bool {
	return p.Name == "kernel" || p.Name == "linux-image-generic"
}

// kernelCase finds an instance of os whose pending kernel update runs on a
// kernel within live-patch support (supported) or past it (!supported).
func kernelCase(t *testing.T, f *cloudsim.Fleet, os fleet.OSFamily, supported bool, skip ...string) (string, fleet.PatchOnInstance) {
	t.Helper()
	for _, in := range f.Instances() {
		if in.OS != os || slices.Contains(skip, in.ID) {
			continue
		}
		pending, err := f.PendingPatches(in.ID)
		require.NoError(t, err)
		for _, p := range pending {
			if isKernel(p) && slices.Contains(oldestKernels, p.InstalledVersion) != supported {
				return in.ID, p
			}
		}
	}
	t.Fatalf("no %s instance with a pending kernel update (supported %v)", os, supported)
	return "", fleet.PatchOnInstance{}
}

func installDeferring(t *testing.T, f *cloudsim.Fleet, id string, deferLive bool, patchIDs ...string) fleet.InstanceInstall {
	t.Helper()
	res, err := f.Install(context.Background(), fleet.InstallRequest{
		CycleID: "2026-W48", Reboot: fleet.RebootIfNeeded, DeferLivePatchedReboots: deferLive,
		Instances: []fleet.InstanceInstallRequest{{InstanceID: id, PatchIDs: patchIDs}},
	}, nil)
	require.NoError(t, err)
	require.Len(t, res.Instances, 1)
	return res.Instances[0]
}

func rebootsOf(t *testing.T, f *cloudsim.Fleet, id string) int {
	t.Helper()
	c, ok := f.Counters(id)
	require.True(t, ok)
	return c.Reboots
}

// With live patching on every Linux server, a kernel update whose fixes
// live patches apply is installed without a reboot when the install defers
// live-patched reboots: the result and the fleet's journal say deferred,
// the CVEs are the kernel update's, and the instance still waits for the
// reboot that starts the new kernel.
func TestLivePatchedKernelDefersItsReboot(t *testing.T) {
	for _, os := range []fleet.OSFamily{fleet.OSUbuntu, fleet.OSAmazonLinux2023} {
		t.Run(string(os), func(t *testing.T) {
			clock := cloudsim.NewVirtualClock(t0)
			f := cloudsim.Generate(cloudsim.Config{Seed: 5, Instances: 400, Now: t0, Clock: clock, LivePatchShare: 1})
			id, kernel := kernelCase(t, f, os, true)

			got := installDeferring(t, f, id, true, kernel.ID)
			require.Empty(t, got.Error)
			require.True(t, got.RebootRequired)
			require.True(t, got.RebootDeferred)
			require.False(t, got.Rebooted)
			want := slices.Clone(kernel.CVEs)
			slices.Sort(want)
			require.NotEmpty(t, want)
			require.Equal(t, want, got.LivePatchedCVEs)
			require.Zero(t, rebootsOf(t, f, id))
			recs, _ := f.Journal(id)
			require.Len(t, recs, 1)
			require.True(t, recs[0].RebootDeferred)
			require.False(t, recs[0].Rebooted)
			require.Equal(t, kernel.Version, recs[0].Changes[0].ToVersion)

			scan := scanOne(t, f, id)
			require.True(t, scan.PendingReboot, "the new kernel runs only after a reboot")
			require.Equal(t, fleet.StateInstalledPendingReboot, states(scan)[kernel.ID])

			// A later reboot starts the new kernel and clears the state.
			require.NoError(t, f.Reboot([]string{id}))
			clock.Advance(f.Timing().Reboot)
			require.False(t, scanOne(t, f, id).PendingReboot)
		})
	}
}

// The reboot still happens when the install does not ask to defer it, when
// the running kernel is past its live-patch support, when another update
// needs the reboot, and when the server has no live patching.
func TestRebootsThatLivePatchesDoNotCover(t *testing.T) {
	clock := cloudsim.NewVirtualClock(t0)
	f := cloudsim.Generate(cloudsim.Config{Seed: 5, Instances: 400, Now: t0, Clock: clock, LivePatchShare: 1})

	id, kernel := kernelCase(t, f, fleet.OSUbuntu, true)
	got := installDeferring(t, f, id, false, kernel.ID)
	require.True(t, got.Rebooted, "not asked to defer")
	require.False(t, got.RebootDeferred)
	require.Empty(t, got.LivePatchedCVEs)

	old, oldKernel := kernelCase(t, f, fleet.OSUbuntu, false)
	got = installDeferring(t, f, old, true, oldKernel.ID)
	require.True(t, got.Rebooted, "kernel %s is past its live-patch support", oldKernel.InstalledVersion)
	require.False(t, got.RebootDeferred)

	// Amazon Linux 2: glibc needs a reboot too, and live patches do not
	// cover it.
	var al2 string
	var ids []string
	for _, in := range f.Instances() {
		if in.OS != fleet.OSAmazonLinux2 || al2 != "" {
			continue
		}
		pending, err := f.PendingPatches(in.ID)
		require.NoError(t, err)
		ids = nil
		for _, p := range pending {
			if (isKernel(p) && !slices.Contains(oldestKernels, p.InstalledVersion)) || p.Name == "glibc" {
				ids = append(ids, p.ID)
			}
		}
		if len(ids) == 2 {
			al2 = in.ID
		}
	}
	require.NotEmpty(t, al2, "an AL2 instance misses a supported kernel's update and glibc's")
	got = installDeferring(t, f, al2, true, ids...)
	require.True(t, got.Rebooted, "glibc needs the reboot")
	require.False(t, got.RebootDeferred)

	none := cloudsim.Generate(cloudsim.Config{Seed: 5, Instances: 400, Now: t0, Clock: cloudsim.NewVirtualClock(t0), LivePatchShare: -1})
	id, kernel = kernelCase(t, none, fleet.OSUbuntu, true)
	got = installDeferring(t, none, id, true, kernel.ID)
	require.True(t, got.Rebooted, "no live patching on this fleet")
	require.False(t, got.RebootDeferred)
}

// A later install on an instance whose kernel reboot was deferred neither
// reboots it nor reports that earlier deferral as its own.
func TestAnEarlierDeferralIsNotReportedAgain(t *testing.T) {
	clock := cloudsim.NewVirtualClock(t0)
	f := cloudsim.Generate(cloudsim.Config{Seed: 5, Instances: 400, Now: t0, Clock: clock, LivePatchShare: 1})
	var id string
	var kernel, other fleet.PatchOnInstance
	for _, in := range f.Instances() {
		if in.OS != fleet.OSUbuntu || id != "" {
			continue
		}
		pending, err := f.PendingPatches(in.ID)
		require.NoError(t, err)
		k := slices.IndexFunc(pending, func(p fleet.PatchOnInstance) bool {
			return isKernel(p) && !slices.Contains(oldestKernels, p.InstalledVersion)
		})
		o := slices.IndexFunc(pending, func(p fleet.PatchOnInstance) bool { return !p.RequiresReboot })
		if k >= 0 && o >= 0 {
			id, kernel, other = in.ID, pending[k], pending[o]
		}
	}
	require.NotEmpty(t, id)
	require.True(t, installDeferring(t, f, id, true, kernel.ID).RebootDeferred)

	got := installDeferring(t, f, id, true, other.ID)
	require.Empty(t, got.Error)
	require.False(t, got.Rebooted)
	require.False(t, got.RebootDeferred, "the deferral was the earlier install's")
	require.Empty(t, got.LivePatchedCVEs)
	require.Zero(t, rebootsOf(t, f, id))
}

package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// A group with livePatch: deferReboot installs kernel updates that live
// patches cover without rebooting: by the fleet's own journal those
// installs started no reboot and the instances still wait for the new
// kernel, while every other reboot-needing install rebooted; the report
// says live-patched with the kernel update's CVEs.
func TestE2ELivePatchedKernelSkipsItsReboot(t *testing.T) {
	s := newStack(t, 200, 0)
	g := s.pol.Groups["prod-auto"]
	require.Equal(t, fleet.RebootIfNeeded, g.Reboot)
	g.LivePatch = policy.LivePatchDeferReboot
	require.NoError(t, s.pol.Validate())
	ids := s.groupIDs("prod-auto")
	r := s.wait(s.start("prod-auto", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusCompleted, r.Status)
	rep := s.report(r)
	byID := map[string]*report.Instance{}
	for _, in := range rep.Instances {
		byID[in.ID] = in
	}

	recs, _ := s.fleet.Journal(ids...)
	deferred, rebooted := 0, 0
	for _, rec := range recs {
		in := byID[rec.InstanceID]
		require.NotNil(t, in, rec.InstanceID)
		c, ok := s.fleet.Counters(rec.InstanceID)
		require.True(t, ok)
		if !rec.RebootDeferred {
			if rec.Rebooted {
				rebooted++
				require.Equal(t, report.Patched, in.Outcome, rec.InstanceID)
			}
			continue
		}
		deferred++
		require.False(t, rec.Rebooted, rec.InstanceID)
		require.Zero(t, c.Reboots, "%s: the fleet rebooted a live-patched instance", rec.InstanceID)
		var cves []string
		for _, ch := range rec.Changes {
			if ch.State != fleet.StateInstalledPendingReboot {
				continue
			}
			require.Contains(t, []string{"kernel", "linux-image-generic"}, ch.Name, "%s: only the kernel waits for the reboot", rec.InstanceID)
			p, ok := s.fleet.Patch(ch.PatchID)
			require.True(t, ok)
			cves = append(cves, p.CVEs...)
		}
		slices.Sort(cves)
		require.NotEmpty(t, cves)
		require.Equal(t, report.LivePatched, in.Outcome, rec.InstanceID)
		require.True(t, in.Reboot.Needed && in.Reboot.Deferred && !in.Reboot.Done, rec.InstanceID)
		require.Equal(t, slices.Compact(cves), in.Reboot.LivePatchedCVEs, rec.InstanceID)
		require.Contains(t, in.Reason, "reboot deferred")
		inv := s.fleet.Installed(rec.InstanceID)[0]
		for _, ch := range rec.Changes {
			require.Contains(t, inv.Packages, fleet.InstalledPackage{Name: ch.Name, Version: ch.ToVersion},
				"%s: the fleet has %s at the reported version", rec.InstanceID, ch.Name)
		}
		require.True(t, scanPending(t, s, rec.InstanceID), "%s: still waits for the reboot into the new kernel", rec.InstanceID)
	}
	require.Positive(t, deferred, "some kernels were live-patched")
	require.Positive(t, rebooted, "the other reboot-needing installs rebooted")
	require.Equal(t, deferred, rep.Header.Counts[report.LivePatched])
	t.Logf("%d installs: %d reboots deferred by live patches, %d rebooted", len(recs), deferred, rebooted)
}

// scanPending scans one instance through the fleet and says whether it
// waits for a reboot.
func scanPending(t *testing.T, s *stack, id string) bool {
	t.Helper()
	res, err := s.fleet.Scan(context.Background(), []string{id}, nil)
	require.NoError(t, err)
	require.Len(t, res.Instances, 1)
	return res.Instances[0].PendingReboot
}

// Through the real SSM and Azure clients against the emulators: on AWS the
// install runs with NoReboot, the live-patch check runs on the nodes left
// pending, and only those it does not cover get the reboot script; by the
// fleet's own records the live-patched nodes never rebooted and the others
// rebooted once. Azure does not read live-patch coverage: its VMs reboot
// and their report entries say the option did nothing there.
func TestE2ELivePatchedRebootsOnAWSAndAzure(t *testing.T) {
	s := newCloudStack(t, 240, 2000, nil, nil)
	g := s.pol.Groups["prod-auto"]
	g.LivePatch = policy.LivePatchDeferReboot
	g.Rollout.MaxConcurrency = policy.Amount{Count: 50}
	require.NoError(t, s.pol.Validate())
	r := s.wait(s.start("prod-auto", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusCompleted, r.Status)
	deferred, awsRebooted, azureRebooted := 0, 0, 0
	for _, in := range s.report(r).Instances {
		if !in.Planned {
			continue
		}
		id := in.ID
		c, ok := s.fleet.Counters(id)
		require.True(t, ok, id)
		checks, reboots := countRuns(s.fleet.Commands(id), "fleetpatch-livepatch-check"), countRuns(s.fleet.Commands(id), "fleetpatch-reboot")
		switch {
		case in.Cloud == fleet.CloudAzure:
			require.Zero(t, checks+reboots, id)
			if in.Reboot.Done {
				azureRebooted++
				require.Contains(t, strings.Join(in.Warnings, "\n"), "this cloud's provider does not read live-patch coverage", id)
			}
		case in.Outcome == report.LivePatched:
			deferred++
			require.Zero(t, c.Reboots, "%s: the emulator rebooted a live-patched node", id)
			require.Equal(t, 1, checks, id)
			require.Zero(t, reboots, id)
			require.NotEmpty(t, in.Reboot.LivePatchedCVEs, id)
			require.True(t, scanPending(t, s.stack, id), "%s: still waits for the reboot into the new kernel", id)
		case in.Reboot.Done:
			awsRebooted++
			require.Equal(t, 1, c.Reboots, "%s: rebooted once", id)
			require.Equal(t, 1, checks, id)
			require.Equal(t, 1, reboots, id)
			require.Empty(t, in.Warnings, id)
		}
	}
	require.Positive(t, deferred, "some AWS kernels were live-patched")
	require.Positive(t, awsRebooted)
	require.Positive(t, azureRebooted)
	t.Logf("AWS: %d reboots deferred by live patches, %d rebooted; Azure: %d rebooted with a warning", deferred, awsRebooted, azureRebooted)
}

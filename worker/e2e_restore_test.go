package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// After a cycle that snapshotted and installed, the Restore workflow
// (`starter restore --apply`) rolls an installed EC2 instance back to its
// snapshots: by the fleet's own records its packages are at their
// versions before the install again and the installed patches are
// missing again. An instance the report does not name is refused.
func TestE2ERestoreRollsAnInstalledInstanceBack(t *testing.T) {
	s := newStack(t, 160, 0)
	s.pol.Groups["prod-auto"].Snapshot = &policy.SnapshotPolicy{Before: "install", Retain: policy.Duration(7 * 24 * time.Hour)}
	require.NoError(t, s.pol.Validate())
	ids := s.groupIDs("prod-auto")
	before := s.inventory(ids)
	pendingBefore := map[string][]fleet.PatchOnInstance{}
	for _, id := range ids {
		pendingBefore[id], _ = s.fleet.PendingPatches(id)
	}
	r := s.wait(s.start("prod-auto", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusCompleted, r.Status)

	var id string
	var disks int
	for _, in := range s.report(r).Instances {
		if in.Cloud == fleet.CloudAWS && in.ID[:2] == "i-" && len(in.Snapshots) > 0 && len(pendingBefore[in.ID]) > 0 {
			id, disks = in.ID, len(in.Snapshots)
			break
		}
	}
	require.NotEmpty(t, id, "an installed EC2 instance with snapshots")
	require.NotEqual(t, before[id], s.inventory([]string{id})[id], "the cycle changed its packages")

	restore := func(instance string) (activities.RestoreResult, error) {
		in := activities.RestoreInput{Group: "prod-auto", Cycle: "2026-W48", InstanceID: instance}
		run, err := s.c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
			ID: workflows.RestoreWorkflowID(in.Group, in.Cycle, instance), TaskQueue: workflows.TaskQueue}, workflows.RestoreWorkflow, in)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var res activities.RestoreResult
		return res, run.Get(ctx, &res)
	}
	res, err := restore(id)
	require.NoError(t, err)
	require.Equal(t, id, res.InstanceID)
	require.Len(t, res.Disks, disks)
	require.True(t, res.Restored(), "%+v", res)

	require.Equal(t, before[id], s.inventory([]string{id})[id], "the packages are at their versions before the install")
	now, err := s.fleet.PendingPatches(id)
	require.NoError(t, err)
	require.Equal(t, pendingBefore[id], now, "the installed patches are missing again")
	journal := s.fleet.Restores(cloudsim.RestoreQuery{InstanceID: id})
	require.Len(t, journal, disks, "one restore per disk, none twice")
	require.True(t, journal[0].Root)

	_, err = restore("i-0000000000000dead")
	require.ErrorContains(t, err, "is not in the report of group prod-auto, cycle 2026-W48")
}

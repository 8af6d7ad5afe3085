package main

import (
	"context"
	"path/filepath"
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

// Every disk of every installed EC2 instance and Azure VM was snapshotted
// before its install began (by the fleet's own records), the report lists
// the snapshots, hybrid nodes are installed without one and say so, and
// the retention clean-up deletes them once they expire.
func TestE2ESnapshotsBeforeInstallDeletedAfterRetention(t *testing.T) {
	s := newStack(t, 160, 0)
	s.pol.Groups["prod-auto"].Snapshot = &policy.SnapshotPolicy{Before: "install", Retain: policy.Duration(7 * 24 * time.Hour)}
	require.NoError(t, s.pol.Validate())
	ids := s.groupIDs("prod-auto")
	r := s.wait(s.start("prod-auto", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusCompleted, r.Status)

	taken := map[string][]cloudsim.SnapshotRecord{}
	for _, sn := range s.fleet.Snapshots() {
		taken[sn.InstanceID] = append(taken[sn.InstanceID], sn)
	}
	recs, _ := s.fleet.Journal(ids...)
	require.NotEmpty(t, recs)
	hybrid := 0
	for _, rec := range recs {
		if rec.InstanceID[:3] == "mi-" {
			hybrid++
			require.Empty(t, taken[rec.InstanceID])
			continue
		}
		require.NotEmpty(t, taken[rec.InstanceID], "%s installed without a snapshot", rec.InstanceID)
		for _, sn := range taken[rec.InstanceID] {
			require.True(t, sn.Created.Before(rec.Start), "%s: snapshot %s at %s, install at %s", rec.InstanceID, sn.ID, sn.Created, rec.Start)
			require.Equal(t, "2026-W48", sn.Tags["fleetpatch:cycle"])
		}
	}
	rep := s.report(r)
	for _, in := range rep.Instances {
		if !in.Planned {
			continue
		}
		require.Len(t, in.Snapshots, len(taken[in.ID]), in.ID)
		if in.Cloud == fleet.CloudAWS && in.ID[:3] == "mi-" {
			require.Len(t, in.Warnings, 1, in.ID)
			require.Contains(t, in.Warnings[0], "installed without a snapshot")
			require.Contains(t, in.Warnings[0], cloudsim.ErrNoCloudDisks.Error())
		}
	}

	// The daily clean-up a week and a day later deletes every snapshot.
	clean := &activities.Activities{Provider: s.prov, Store: activities.DirStore{Root: filepath.Join(s.cfg.DataDir, "artifacts")},
		Now: func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }}
	res, err := clean.CleanArtifacts(context.Background(), activities.CleanArtifactsInput{RetainDays: activities.DefaultRetainDays})
	require.NoError(t, err)
	all := s.fleet.Snapshots()
	require.Equal(t, len(all), res.Snapshots)
	for _, sn := range all {
		require.False(t, sn.Deleted.IsZero(), "%s not deleted", sn.ID)
	}
	t.Logf("%d snapshots of %d installed instances (%d hybrid without), all deleted after retention", len(all), len(recs), hybrid)
}

// Drift found by the pre-flight check is in the review (the status the
// approvers read) and in the report; doctor finds it on demand.
func TestE2EPreflightDriftInTheReviewAndReport(t *testing.T) {
	s := newStack(t, 200, 0)
	ids := s.groupIDs("prod-sensitive")
	var stopped, noProfile string
	for _, id := range ids {
		in, _ := s.fleet.Instance(id)
		if in.Cloud != fleet.CloudAWS || id[:2] != "i-" {
			continue
		}
		if p, _ := s.fleet.PendingPatches(id); len(p) == 0 {
			continue
		}
		switch {
		case stopped == "":
			stopped = id
		case noProfile == "":
			noProfile = id
		}
	}
	require.NotEmpty(t, noProfile)
	s.fleet.SetDrift(stopped, cloudsim.Drift{Stopped: true})
	s.fleet.SetDrift(noProfile, cloudsim.Drift{NoInstanceProfile: true})
	run := s.start("prod-sensitive", workflows.CycleInput{})
	id := workflows.WorkflowID("prod-sensitive", "2026-W48")
	st := s.awaitApproval(id)
	require.NotNil(t, st.Preflight, "the review has the pre-flight check")
	require.Equal(t, 2, st.Preflight.Blocked)
	require.Equal(t, 1, st.Preflight.ByCheck[fleet.DriftStopped])
	require.Equal(t, 1, st.Preflight.ByCheck[fleet.DriftNoProfile])
	found := map[string]string{}
	for _, p := range st.Preflight.Examples {
		for _, f := range p.Findings {
			found[p.InstanceID] = f.Check
		}
	}
	require.Equal(t, fleet.DriftStopped, found[stopped])
	require.Equal(t, fleet.DriftNoProfile, found[noProfile])

	doc, err := s.c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: workflows.DoctorWorkflowID("prod-sensitive"),
		TaskQueue: workflows.TaskQueue}, workflows.DoctorWorkflow,
		activities.DoctorInput{Group: "prod-sensitive"})
	require.NoError(t, err)
	var dr activities.DoctorResult
	require.NoError(t, doc.Get(context.Background(), &dr))
	require.Equal(t, len(ids), dr.Discovered)
	require.Equal(t, 2, dr.Blocked, "doctor finds the same drift now")

	require.NoError(t, s.c.SignalWorkflow(context.Background(), id, "", workflows.CancelSignal, workflows.ControlInput{By: "test"}))
	rep := s.report(s.wait(run))
	for _, in := range rep.Instances {
		switch in.ID {
		case stopped:
			require.Equal(t, fleet.DriftStopped, in.Preflight[0].Check)
		case noProfile:
			require.Equal(t, fleet.DriftNoProfile, in.Preflight[0].Check)
		}
	}
}

package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// TestE2EAL2023MovesPlannedHostsToTheLatestRelease: with
// al2023ReleaseVersion: latest, the cycle moves every AL2023 instance it
// installs on to the newest release version, as the fleet's own records
// show, and the report says from which release to which.
func TestE2EAL2023MovesPlannedHostsToTheLatestRelease(t *testing.T) {
	s := newStack(t, 300, 2000)
	s.pol.Groups["prod-auto"].AL2023ReleaseVersion = "latest"
	latest := cloudsim.LatestAL2023Release()
	was := map[string]string{}
	for _, id := range s.groupIDs("prod-auto") {
		if v := s.fleet.ReleaseVersion(id); v != "" {
			was[id] = v
		}
	}
	require.NotEmpty(t, was, "the group has AL2023 instances")

	r := s.wait(s.start("prod-auto", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusCompleted, r.Status, s.report(r).Header.Reason)
	moved, planned := 0, 0
	for _, i := range s.report(r).Instances {
		if i.OS != fleet.OSAmazonLinux2023 || !i.Planned {
			require.Nil(t, i.Release, "%s (%s, planned %v) reports no release move", i.ID, i.OS, i.Planned)
			continue
		}
		planned++
		require.Equal(t, latest, s.fleet.ReleaseVersion(i.ID), "%s is on the newest release", i.ID)
		require.NotNil(t, i.Release, "%s reports its release move", i.ID)
		require.Equal(t, was[i.ID], i.Release.From, i.ID)
		require.Equal(t, latest, i.Release.To, i.ID)
		recs := s.fleet.Releases(i.ID)
		if was[i.ID] == latest {
			require.Empty(t, recs, "%s was already on %s: not moved", i.ID, latest)
			continue
		}
		require.Len(t, recs, 1, "%s moved exactly once", i.ID)
		require.Equal(t, cloudsim.ReleaseRecord{InstanceID: i.ID, From: was[i.ID], To: latest, At: recs[0].At}, recs[0])
		moved++
	}
	t.Logf("%d AL2023 instances planned, %d moved to %s", planned, moved, latest)
	require.Positive(t, planned)
	require.Positive(t, moved, "some AL2023 instances started below %s", latest)
}

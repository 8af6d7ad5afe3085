package cloudsim_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// TestAL2023ReleaseUpgrade: the scan reports each AL2023 instance's release
// version and the newest; moving to the newest is recorded once, counted
// like an install, idempotent, survives Save/Load, and never goes back.
func TestAL2023ReleaseUpgrade(t *testing.T) {
	ctx := context.Background()
	f, _ := virtualFleet(200, 7, cloudsim.Faults{})
	var al, other []string
	for _, in := range f.Instances() {
		if in.OS == fleet.OSAmazonLinux2023 {
			al = append(al, in.ID)
		} else {
			other = append(other, in.ID)
		}
	}
	require.NotEmpty(t, al)
	require.NotEmpty(t, other)
	latest := cloudsim.LatestAL2023Release()

	res, err := f.Scan(ctx, append(al[:min(len(al), 40)], other[0]), nil)
	require.NoError(t, err)
	behind := map[string]string{}
	for _, s := range res.Instances {
		if s.InstanceID == other[0] {
			assert.Empty(t, s.ReleaseVersion)
			assert.Empty(t, s.LatestReleaseVersion)
			continue
		}
		assert.Contains(t, cloudsim.AL2023Releases, s.ReleaseVersion)
		assert.Equal(t, latest, s.LatestReleaseVersion)
		if s.ReleaseVersion != latest {
			behind[s.InstanceID] = s.ReleaseVersion
		}
	}
	require.NotEmpty(t, behind, "some AL2023 instances start below the newest release")

	var id string
	for id = range behind {
		break
	}
	before, _ := f.Counters(id)
	up, err := f.UpgradeRelease(ctx, []string{id, other[0]}, latest)
	require.NoError(t, err)
	assert.Equal(t, fleet.ReleaseUpgrade{InstanceID: id, From: behind[id], To: latest, Changed: true}, up[0])
	assert.Contains(t, up[1].Error, "not Amazon Linux 2023")
	assert.Equal(t, latest, f.ReleaseVersion(id))
	after, _ := f.Counters(id)
	assert.Equal(t, before.Installs+1, after.Installs)

	again, err := f.UpgradeRelease(ctx, []string{id}, latest)
	require.NoError(t, err)
	assert.Equal(t, fleet.ReleaseUpgrade{InstanceID: id, From: latest, To: latest}, again[0])
	again2, _ := f.Counters(id)
	assert.Equal(t, after.Installs, again2.Installs, "a repeated move changes nothing")
	back, err := f.UpgradeRelease(ctx, []string{id}, cloudsim.AL2023Releases[0])
	require.NoError(t, err)
	assert.Equal(t, fleet.ReleaseUpgrade{InstanceID: id, From: latest, To: latest}, back[0], "never moved back")
	assert.Equal(t, latest, f.ReleaseVersion(id))

	recs := f.Releases(id)
	require.Len(t, recs, 1)
	assert.Equal(t, behind[id], recs[0].From)
	assert.Equal(t, latest, recs[0].To)

	_, err = f.UpgradeRelease(ctx, []string{id}, "2023.9.20990101")
	assert.Error(t, err, "an unknown release version fails the call")

	path := t.TempDir() + "/fleet.json"
	require.NoError(t, f.Save(path))
	loaded, err := cloudsim.LoadWithClock(path, cloudsim.NewVirtualClock(t0))
	require.NoError(t, err)
	scan, err := loaded.Scan(ctx, []string{id}, nil)
	require.NoError(t, err)
	assert.Equal(t, latest, scan.Instances[0].ReleaseVersion, "the move survives Save/Load")
	assert.Len(t, loaded.Releases(id), 1)
}

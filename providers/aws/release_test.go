package aws_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// UpgradeRelease runs `dnf upgrade --releasever` through SSM Run Command:
// the emulator's AL2023 nodes move (once: a second call changes nothing),
// the result reads from -> to from the script's output, and a node of
// another OS fails the command and carries the error.
func TestUpgradeReleaseThroughRunCommand(t *testing.T) {
	e := healthEnv(t, 200)
	ctx := context.Background()
	latest := cloudsim.LatestAL2023Release()
	var al []string
	was := map[string]string{}
	var other string
	for _, in := range e.fleet.Instances() {
		switch {
		case in.Cloud != fleet.CloudAWS:
		case in.OS == fleet.OSAmazonLinux2023 && len(al) < 6:
			al, was[in.ID] = append(al, in.ID), e.fleet.ReleaseVersion(in.ID)
		case in.OS == fleet.OSUbuntu && other == "":
			other = in.ID
		}
	}
	require.NotEmpty(t, al)
	require.NotEmpty(t, other)

	res, err := e.prov.UpgradeRelease(ctx, append(al, other), latest)
	require.NoError(t, err)
	require.Len(t, res, len(al)+1)
	moved := 0
	for i, id := range al {
		want := fleet.ReleaseUpgrade{InstanceID: id, From: was[id], To: latest, Changed: was[id] != latest}
		assert.Equal(t, want, res[i])
		assert.Equal(t, latest, e.fleet.ReleaseVersion(id), "the fleet's own record")
		if want.Changed {
			moved++
			assert.Len(t, e.fleet.Releases(id), 1)
		}
	}
	assert.Positive(t, moved, "some nodes started below %s", latest)
	assert.Contains(t, res[len(al)].Error, "exited 127")
	run, found := e.fleet.LastCommand(al[0])
	require.True(t, found)
	assert.Contains(t, run.Script, "dnf upgrade --releasever="+latest+" -y")

	again, err := e.prov.UpgradeRelease(ctx, al, latest)
	require.NoError(t, err)
	for i, id := range al {
		assert.Equal(t, fleet.ReleaseUpgrade{InstanceID: id, From: latest, To: latest}, again[i])
		if was[id] != latest {
			assert.Len(t, e.fleet.Releases(id), 1, "moved once")
		}
	}
	_, err = e.prov.UpgradeRelease(ctx, al, "latest; reboot")
	assert.ErrorIs(t, err, fleet.ErrPermanent)
}

// "latest" goes to the node as is (dnf resolves it there), and the result
// reads the release the node reached from the script's output.
func TestUpgradeReleaseToLatestResolvesOnTheNode(t *testing.T) {
	e := healthEnv(t, 200)
	var al []string
	for _, in := range e.fleet.Instances() {
		if in.Cloud == fleet.CloudAWS && in.OS == fleet.OSAmazonLinux2023 && e.fleet.ReleaseVersion(in.ID) != cloudsim.LatestAL2023Release() {
			al = append(al, in.ID)
		}
	}
	require.NotEmpty(t, al)
	res, err := e.prov.UpgradeRelease(context.Background(), al[:1], "latest")
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.Equal(t, cloudsim.LatestAL2023Release(), res[0].To)
	assert.True(t, res[0].Changed)
	assert.Equal(t, cloudsim.LatestAL2023Release(), e.fleet.ReleaseVersion(al[0]), "the fleet's own record")
	run, found := e.fleet.LastCommand(al[0])
	require.True(t, found)
	assert.Contains(t, run.Script, "dnf upgrade --releasever=latest -y")
}

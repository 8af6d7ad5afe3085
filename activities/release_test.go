package activities

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// upgradingProvider is a recordingProvider that also moves AL2023 release
// versions: every instance from 2023.5.20240916 to the version asked.
type upgradingProvider struct {
	recordingProvider
	calls [][]string
}

func (p *upgradingProvider) UpgradeRelease(_ context.Context, ids []string, version string) ([]fleet.ReleaseUpgrade, error) {
	p.calls = append(p.calls, ids)
	out := make([]fleet.ReleaseUpgrade, len(ids))
	for i, id := range ids {
		out[i] = fleet.ReleaseUpgrade{InstanceID: id, From: "2023.5.20240916", To: version, Changed: true}
	}
	return out, nil
}

// releaseRun plans newCheckedRun's manifest over an AL2023 instance (i-1)
// and an Ubuntu one (i-2), with the cycle's release target stored.
func releaseRun(t *testing.T, prov fleet.Provider) (*Activities, BatchInput) {
	t.Helper()
	ctx := context.Background()
	a, run, m := newCheckedRun(t)
	a.Provider = prov
	require.NoError(t, putJSON(ctx, a.Store, run.targetsKey(0), []fleet.Instance{
		{ID: "i-1", OS: fleet.OSAmazonLinux2023}, {ID: "i-2", OS: fleet.OSUbuntu}}))
	require.NoError(t, putJSON(ctx, a.Store, run.discoveryKey(), DiscoverResult{Total: 2, Batches: 1}))
	require.NoError(t, putJSON(ctx, a.Store, run.releaseKey(), ReleaseTarget{Setting: "latest", Version: "2023.6.20241111"}))
	_, err := a.PlanRollout(ctx, PlanInput{Run: run, Approved: Approved{Digest: m.Digest, All: true}})
	require.NoError(t, err)
	return a, BatchInput{Run: run, Digest: m.Digest, Deadline: testNow.Add(time.Hour)}
}

// The install batch moves only the AL2023 instances to the planned release
// version, once (a retry reads the stored result), before it installs; the
// report shows from -> to.
func TestInstallBatchMovesAL2023Release(t *testing.T) {
	ctx := context.Background()
	prov := &upgradingProvider{}
	a, in := releaseRun(t, prov)
	bp, err := a.batchPlan(ctx, in)
	require.NoError(t, err)
	require.Equal(t, "2023.6.20241111", bp.ReleaseVersion)

	_, err = a.InstallBatch(ctx, in)
	require.NoError(t, err)
	require.Equal(t, [][]string{{"i-1"}}, prov.calls)
	require.Equal(t, 1, prov.installs)
	require.NoError(t, a.upgradeReleases(ctx, in, bp))
	require.Len(t, prov.calls, 1, "a retry keeps the stored move")

	out := []report.Instance{{ID: "i-1"}, {ID: "i-2"}}
	require.NoError(t, a.applyReleases(ctx, in, out))
	require.Equal(t, &report.ReleaseChange{From: "2023.5.20240916", To: "2023.6.20241111"}, out[0].Release)
	require.Nil(t, out[1].Release)
}

// A provider that cannot move release versions leaves the hosts on theirs,
// installs all the same, and the report warns.
func TestInstallBatchWithoutReleaseUpgraderWarns(t *testing.T) {
	ctx := context.Background()
	prov := &recordingProvider{}
	a, in := releaseRun(t, prov)
	_, err := a.InstallBatch(ctx, in)
	require.NoError(t, err)
	require.Equal(t, 1, prov.installs)
	out := []report.Instance{{ID: "i-1"}, {ID: "i-2"}}
	require.NoError(t, a.applyReleases(ctx, in, out))
	require.Nil(t, out[0].Release)
	require.Len(t, out[0].Warnings, 1)
	require.Contains(t, out[0].Warnings[0], "cannot move Amazon Linux 2023 release versions")
	require.Empty(t, out[1].Warnings)
}

func TestCompareRelease(t *testing.T) {
	require.Equal(t, -1, compareRelease("2023.6.20241010", "2023.6.20241111"))
	require.Equal(t, 1, compareRelease("2023.10.20250101", "2023.9.20251117"), "numeric, not lexical")
	require.Equal(t, 1, compareRelease("2023.5.20240916", ""))
	require.Equal(t, 0, compareRelease("2023.6.20241010", "2023.6.20241010"))
}

// "latest" resolves to the newest release version the scans reported; when
// none reported one (AWS's patch scans do not), it stays "latest" and each
// host resolves it (dnf upgrade --releasever=latest).
func TestReleaseTargetLatestFallsBackToTheHosts(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		reported []string
		want     string
	}{
		{"scans report releases", []string{"2023.6.20241010", "", "2023.6.20241111"}, "2023.6.20241111"},
		{"scans report none", []string{"", ""}, policy.AL2023Latest},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, run, _ := newCheckedRun(t)
			var scan fleet.ScanResult
			for i, v := range c.reported {
				scan.Instances = append(scan.Instances, fleet.InstanceScan{InstanceID: "i-" + string(rune('1'+i)), LatestReleaseVersion: v})
			}
			require.NoError(t, putJSON(ctx, a.Store, run.scanKey(0), scan))
			in := BuildManifestInput{Run: run, Batches: 1}
			in.Snapshot.Group.AL2023ReleaseVersion = policy.AL2023Latest
			require.NoError(t, a.storeReleaseTarget(ctx, in))
			got, err := a.releaseVersion(ctx, run)
			require.NoError(t, err)
			require.Equal(t, c.want, got)
		})
	}
}

package activities

import (
	"context"
	"strconv"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// ReleaseTarget is the Amazon Linux 2023 release version a cycle moves its
// AL2023 instances to, stored by BuildManifest from the group's
// al2023ReleaseVersion: Setting as the policy says it ("latest" or a
// version), Version the version it resolved to ("latest": the newest
// LatestReleaseVersion the cycle's scans reported, or "latest" itself when
// no scan reported one, as AWS's patch scans do not: each host then
// resolves it, `dnf upgrade --releasever=latest`, and reports the release
// it reached).
type ReleaseTarget struct {
	Setting string `json:"setting"`
	Version string `json:"version,omitempty"`
}

// releaseKey is where a cycle's ReleaseTarget is stored.
func (r Run) releaseKey() string { return r.Prefix() + "/al2023-release.json" }

// storeReleaseTarget resolves and stores the group's al2023ReleaseVersion
// for the cycle; nothing is stored when the group has none.
func (a *Activities) storeReleaseTarget(ctx context.Context, in BuildManifestInput) error {
	setting := in.Snapshot.Group.AL2023ReleaseVersion
	if setting == "" {
		return nil
	}
	t := ReleaseTarget{Setting: setting, Version: setting}
	if setting == policy.AL2023Latest {
		t.Version = ""
		for b := 0; b < in.Batches; b++ {
			var scan fleet.ScanResult
			if _, err := getJSON(ctx, a.Store, in.Run.scanKey(b), &scan); err != nil {
				return err
			}
			for _, s := range scan.Instances {
				if compareRelease(s.LatestReleaseVersion, t.Version) > 0 {
					t.Version = s.LatestReleaseVersion
				}
			}
		}
		if t.Version == "" {
			// dnf takes "latest" as a release version:
			// https://docs.aws.amazon.com/linux/al2023/ug/deterministic-upgrades-usage.html
			t.Version = policy.AL2023Latest
		}
	}
	return putJSON(ctx, a.Store, in.Run.Base().releaseKey(), t)
}

// releaseVersion returns the release version the cycle of run moves its
// AL2023 instances to ("" for none, or a cycle from before the setting).
func (a *Activities) releaseVersion(ctx context.Context, run Run) (string, error) {
	var t ReleaseTarget
	_, err := getJSON(ctx, a.Store, run.Base().releaseKey(), &t)
	return t.Version, err
}

// compareRelease orders AL2023 release versions (2023.MINOR.DATE) part by
// part, numerically; "" is the oldest.
func compareRelease(x, y string) int {
	xs, ys := strings.Split(x, "."), strings.Split(y, ".")
	for i := 0; i < max(len(xs), len(ys)); i++ {
		var a, b int
		if i < len(xs) {
			a, _ = strconv.Atoi(xs[i])
		}
		if i < len(ys) {
			b, _ = strconv.Atoi(ys[i])
		}
		if a != b {
			if a < b {
				return -1
			}
			return 1
		}
	}
	return 0
}

// upgradeReleases moves the batch's AL2023 instances to the plan's release
// version before the install, as `dnf upgrade --releasever=VERSION` does,
// and stores the outcome once (a retry keeps it; the provider's move is
// idempotent anyway). A provider that cannot move release versions is
// recorded on every instance and the install goes on.
func (a *Activities) upgradeReleases(ctx context.Context, in BatchInput, bp BatchPlan) error {
	if bp.ReleaseVersion == "" {
		return nil
	}
	key := in.Run.waveKey(in.Wave, in.Batch, "release")
	var res []fleet.ReleaseUpgrade
	if found, err := getJSON(ctx, a.Store, key, &res); err != nil || found {
		return err
	}
	var ids []string
	for _, x := range bp.Instances {
		if x.OS == fleet.OSAmazonLinux2023 {
			ids = append(ids, x.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	u, ok := a.Provider.(fleet.ReleaseUpgrader)
	if !ok {
		for _, id := range ids {
			res = append(res, fleet.ReleaseUpgrade{InstanceID: id,
				Error: "the provider cannot move Amazon Linux 2023 release versions: left on its release"})
		}
		return putJSON(ctx, a.Store, key, res)
	}
	res, err := u.UpgradeRelease(fleet.WithCallKey(ctx, key), ids, bp.ReleaseVersion)
	if err != nil {
		return providerError("release upgrade", err)
	}
	return putJSON(ctx, a.Store, key, res)
}

// applyReleases adds the batch's stored release moves to its report
// entries: the from and to versions, and a warning for a move that failed.
func (a *Activities) applyReleases(ctx context.Context, in BatchInput, out []report.Instance) error {
	var res []fleet.ReleaseUpgrade
	if _, err := getJSON(ctx, a.Store, in.Run.waveKey(in.Wave, in.Batch, "release"), &res); err != nil {
		return err
	}
	byID := make(map[string]fleet.ReleaseUpgrade, len(res))
	for _, r := range res {
		byID[r.InstanceID] = r
	}
	for i := range out {
		r, ok := byID[out[i].ID]
		if !ok {
			continue
		}
		if r.From != "" {
			out[i].Release = &report.ReleaseChange{From: r.From, To: r.To}
		}
		if r.Error != "" {
			out[i].Warnings = append(out[i].Warnings, "Amazon Linux 2023 release version not moved: "+r.Error)
		}
	}
	return nil
}

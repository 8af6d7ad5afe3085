package cloudsim

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// AL2023Releases are the Amazon Linux 2023 release versions the simulated
// fleet knows, oldest first; the last is the newest available. AL2023
// repositories are versioned ("deterministic upgrades through versioned
// repositories"): an instance sees the packages of its release version
// until it is moved with `dnf upgrade --releasever=VERSION`
// (https://docs.aws.amazon.com/linux/al2023/ug/deterministic-upgrades.html).
var AL2023Releases = []string{"2023.5.20240916", "2023.6.20241010", "2023.6.20241111"}

// LatestAL2023Release is the newest release version of AL2023Releases.
func LatestAL2023Release() string { return AL2023Releases[len(AL2023Releases)-1] }

// ReleaseRecord is one release move of one instance, as the fleet saw it.
type ReleaseRecord struct {
	InstanceID string    `json:"instanceId"`
	From       string    `json:"from"`
	To         string    `json:"to"`
	At         time.Time `json:"at"`
}

// releaseVersion returns the AL2023 release version the instance is on ("" for
// other OSes): its last move's, else one drawn from the seed and its ID.
// Callers hold mu.
func (m *machine) releaseVersion(seed int64) string {
	if m.rel.OS != fleet.OSAmazonLinux2023 {
		return ""
	}
	if n := len(m.releaseMoves); n > 0 {
		return m.releaseMoves[n-1].To
	}
	return AL2023Releases[hash64(seed, "al2023-release", m.static.ID)%uint64(len(AL2023Releases))]
}

// UpgradeRelease moves AL2023 instances to the release version, as
// `dnf upgrade --releasever=VERSION` does. What is modelled: the
// instance's release version (which Scan reports) and a ReleaseRecord in
// its journal (see Releases); a move counts as an install attempt and, when
// it changes the release, as an install. The package catalog is the same
// for every release version: a move does not change installed packages.
// It is idempotent (an instance already on the version is reported
// unchanged) and never goes back to an older release (an instance on a
// newer one is reported unchanged). An unknown version fails the whole
// call.
func (f *Fleet) UpgradeRelease(ctx context.Context, ids []string, version string) ([]fleet.ReleaseUpgrade, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	target := releaseIndex(version)
	if target < 0 {
		return nil, fmt.Errorf("cloudsim: unknown Amazon Linux 2023 release version %q (known: %v)", version, AL2023Releases)
	}
	fs := f.faults.Load()
	now := f.clock.Now()
	out := make([]fleet.ReleaseUpgrade, len(ids))
	for i, id := range ids {
		out[i] = f.upgradeOne(fs, id, target, now)
	}
	return out, nil
}

// upgradeOne moves one instance to AL2023Releases[target].
func (f *Fleet) upgradeOne(fs *faultSet, id string, target int, now time.Time) fleet.ReleaseUpgrade {
	out := fleet.ReleaseUpgrade{InstanceID: id}
	m, reason := f.reach(fs, id, "release upgrade", now)
	if m == nil {
		out.Error = reason
		return out
	}
	defer f.unlock(m)
	return f.moveRelease(m, target)
}

// moveRelease moves m to AL2023Releases[target] (see UpgradeRelease).
// Callers hold m's lock.
func (f *Fleet) moveRelease(m *machine, target int) fleet.ReleaseUpgrade {
	id := m.static.ID
	out := fleet.ReleaseUpgrade{InstanceID: id}
	if m.rel.OS != fleet.OSAmazonLinux2023 {
		out.Error = "not Amazon Linux 2023 (" + string(m.rel.OS) + "): it has no release version"
		return out
	}
	out.From = m.releaseVersion(f.seed)
	out.To = out.From
	m.counters.InstallAttempts++
	switch cur := slices.Index(AL2023Releases, out.From); {
	case cur == target:
	case cur > target:
		// `dnf upgrade` never downgrades: a newer instance stays (unchanged).
	default:
		m.counters.Installs++
		to := AL2023Releases[target]
		m.releaseMoves = append(m.releaseMoves, ReleaseRecord{InstanceID: id, From: out.From, To: to, At: time.Now().UTC()})
		out.To, out.Changed = to, true
	}
	return out
}

// Releases returns the release moves of the instances (of every instance
// when ids is empty; unknown IDs are skipped), oldest first per instance.
func (f *Fleet) Releases(ids ...string) []ReleaseRecord {
	if len(ids) == 0 {
		ids = f.IDs()
	}
	var out []ReleaseRecord
	for _, id := range ids {
		if m := f.byID[id]; m != nil {
			f.lock(m)
			out = append(out, m.releaseMoves...)
			f.unlock(m)
		}
	}
	return out
}

// ReleaseVersion returns the AL2023 release version the instance is on
// ("" for other OSes and unknown IDs).
func (f *Fleet) ReleaseVersion(id string) string {
	m := f.byID[id]
	if m == nil {
		return ""
	}
	f.lock(m)
	defer f.unlock(m)
	return m.releaseVersion(f.seed)
}

// releaseIndex is the index in AL2023Releases of a release version, or of
// the newest for "latest" (as dnf resolves --releasever=latest); -1 when
// unknown.
func releaseIndex(version string) int {
	if version == "latest" {
		return len(AL2023Releases) - 1
	}
	return slices.Index(AL2023Releases, version)
}

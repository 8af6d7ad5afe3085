package fleet

import "context"

// ReleaseUpgrader is implemented by providers that can move Amazon Linux
// 2023 instances to another release version. AL2023 repositories are
// versioned: an instance gets no update newer than its release version
// until it moves to a newer one (`dnf upgrade --releasever=VERSION`), see
// https://docs.aws.amazon.com/linux/al2023/ug/deterministic-upgrades.html.
// The method is optional: activities check for it with a type assertion.
type ReleaseUpgrader interface {
	// UpgradeRelease moves each instance (at most MaxBatch) to the release
	// version. It is idempotent: an instance already on it is reported
	// unchanged. Failures of single instances are reported in the results;
	// an error means the whole call failed and may be retried.
	UpgradeRelease(ctx context.Context, ids []string, version string) ([]ReleaseUpgrade, error)
}

// ReleaseUpgrade is the outcome of a release move on one instance.
type ReleaseUpgrade struct {
	InstanceID string `json:"instanceId"`
	// From is the release version the instance was on, To the one it is
	// on after the call (From when nothing moved).
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Changed says the call moved the instance.
	Changed bool `json:"changed,omitempty"`
	// Error says why the instance did not move.
	Error string `json:"error,omitempty"`
}

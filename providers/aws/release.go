package aws

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

var _ fleet.ReleaseUpgrader = (*Provider)(nil)

// releaseTimeout bounds a release move on each instance.
const releaseTimeout = 30 * time.Minute

// releaseLine is the line the release script prints: the release versions
// before and after.
var releaseLine = regexp.MustCompile(`(?m)^fleetpatch-release: (\S+) -> (\S+)$`)

// releaseScriptFor is the AWS-RunShellScript that moves an AL2023 node to
// the release version with `dnf upgrade --releasever=VERSION`, and prints
// the version of the system-release package before and after (AL2023
// locks its repositories to that package's version unless told otherwise:
// https://docs.aws.amazon.com/linux/al2023/ug/deterministic-upgrades-usage.html).
// `dnf upgrade` never downgrades: a node on a newer release stays there.
func releaseScriptFor(version string) string {
	return strings.Join([]string{
		"set -e",
		"from=$(rpm -q --qf '%{VERSION}' system-release)",
		"dnf upgrade --releasever=" + version + " -y",
		"to=$(rpm -q --qf '%{VERSION}' system-release)",
		`echo "fleetpatch-release: $from -> $to"`,
	}, "\n")
}

// UpgradeRelease moves Amazon Linux 2023 nodes to the release version
// through SSM Run Command (AWS-RunShellScript, see RunCommand): each node
// runs `dnf upgrade --releasever=VERSION -y` and reports its release
// version before and after. A node whose command did not run, or failed,
// carries the error. VERSION "latest" is the newest release the node's
// repositories offer (dnf resolves it on the node). A version that is
// neither fails the call with fleet.ErrPermanent.
func (p *Provider) UpgradeRelease(ctx context.Context, ids []string, version string) ([]fleet.ReleaseUpgrade, error) {
	if version != policy.AL2023Latest && !policy.ValidAL2023Release(version) {
		return nil, fmt.Errorf("aws: %q is not an Amazon Linux 2023 release version: %w", version, fleet.ErrPermanent)
	}
	res, err := p.RunCommand(ctx, fleet.CommandRequest{InstanceIDs: ids, Linux: releaseScriptFor(version),
		Timeout: releaseTimeout, Name: "fleetpatch-al2023-release"}, nil)
	if err != nil {
		return nil, err
	}
	out := make([]fleet.ReleaseUpgrade, len(res))
	for i, r := range res {
		out[i] = releaseOutcome(r)
	}
	return out, nil
}

// releaseOutcome reads one node's release move from its command result.
func releaseOutcome(r fleet.CommandResult) fleet.ReleaseUpgrade {
	u := fleet.ReleaseUpgrade{InstanceID: r.InstanceID}
	m := releaseLine.FindStringSubmatch(r.Output)
	switch {
	case r.Error != "":
		u.Error = r.Error
	case r.ExitCode != 0:
		u.Error = fmt.Sprintf("dnf upgrade --releasever exited %d: %s", r.ExitCode, strings.TrimSpace(r.Output))
	case m == nil:
		u.Error = "the release move printed no release versions: " + strings.TrimSpace(r.Output)
	default:
		u.From, u.To, u.Changed = m[1], m[2], m[1] != m[2]
	}
	return u
}

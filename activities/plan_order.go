package activities

import (
	"slices"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// rolloutOrder orders a rollout's install requests so that every wave
// takes its share of each API scope (AWS account and region, Azure
// subscription) in proportion to the scope's size, instead of waves in ID
// order (where all Azure VMs, whose IDs start with "/subscriptions/",
// would come first). Each cloud's rate limits are per scope, so a wave
// that mixes scopes spreads its calls over every scope's token bucket,
// and each wave is representative of the group. The canary stays the
// first request in ID order. reqs must be sorted by instance ID.
func rolloutOrder(reqs []fleet.InstanceInstallRequest, insts map[string]fleet.Instance) []fleet.InstanceInstallRequest {
	if len(reqs) <= 2 {
		return reqs
	}
	out := make([]fleet.InstanceInstallRequest, 0, len(reqs))
	out = append(out, reqs[0])
	byScope := map[string][]fleet.InstanceInstallRequest{}
	for _, r := range reqs[1:] {
		k := apiScope(insts[r.InstanceID])
		byScope[k] = append(byScope[k], r)
	}
	scopes := make([]string, 0, len(byScope))
	for k := range byScope {
		scopes = append(scopes, k)
	}
	slices.Sort(scopes)
	total := len(reqs) - 1
	taken := make([]int, len(scopes))
	for k := 1; k <= total; k++ {
		// The scope furthest behind its proportional share takes place k
		// (ties to the first scope in name order): k*n/total - taken.
		best, bestLag := -1, 0.0
		for i, s := range scopes {
			n := len(byScope[s])
			if taken[i] == n {
				continue
			}
			lag := float64(k)*float64(n)/float64(total) - float64(taken[i])
			if best < 0 || lag > bestLag {
				best, bestLag = i, lag
			}
		}
		out = append(out, byScope[scopes[best]][taken[best]])
		taken[best]++
	}
	return out
}

// apiScope names the scope of an instance's cloud API rate limits.
func apiScope(in fleet.Instance) string {
	if in.Cloud == fleet.CloudAzure {
		return string(in.Cloud) + "|" + strings.ToLower(in.Account)
	}
	return string(in.Cloud) + "|" + in.Account + "|" + in.Region
}

// byScopeThenID sorts a wave's requests by API scope, then ID, so that its
// batches stay within one scope (one cloud call per batch where possible).
func byScopeThenID(wave []fleet.InstanceInstallRequest, insts map[string]fleet.Instance) {
	slices.SortStableFunc(wave, func(a, b fleet.InstanceInstallRequest) int {
		if c := strings.Compare(apiScope(insts[a.InstanceID]), apiScope(insts[b.InstanceID])); c != 0 {
			return c
		}
		return strings.Compare(a.InstanceID, b.InstanceID)
	})
}

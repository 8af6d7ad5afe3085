package activities

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Waves take every API scope in proportion (Azure VMs, whose IDs sort
// first, no longer fill the first waves), the canary is still the first
// instance by ID, and a wave's requests are grouped by scope.
func TestRolloutOrderSpreadsScopesOverWaves(t *testing.T) {
	insts := map[string]fleet.Instance{}
	var reqs []fleet.InstanceInstallRequest
	add := func(id string, cloud fleet.Cloud, account, region string) {
		insts[id] = fleet.Instance{ID: id, Cloud: cloud, Account: account, Region: region}
		reqs = append(reqs, fleet.InstanceInstallRequest{InstanceID: id})
	}
	for i := range 300 {
		add(fmt.Sprintf("/subscriptions/sub-a/vm-%03d", i), fleet.CloudAzure, "sub-a", "westeurope")
	}
	for i := range 600 {
		add(fmt.Sprintf("i-%04d", i), fleet.CloudAWS, "111111111111", "eu-west-1")
	}
	for i := range 100 {
		add(fmt.Sprintf("mi-%04d", i), fleet.CloudAWS, "222222222222", "us-east-1")
	}
	order := rolloutOrder(reqs, insts)
	require.Len(t, order, len(reqs))
	require.Equal(t, reqs[0], order[0], "the canary is the first by ID")
	seen := map[string]bool{}
	for _, r := range order {
		require.False(t, seen[r.InstanceID], "%s twice", r.InstanceID)
		seen[r.InstanceID] = true
	}
	// Every wave of 100 after the canary holds 30 Azure VMs, 60 EC2
	// instances and 10 hybrid nodes, give or take one.
	for start := 1; start+100 <= len(order); start += 100 {
		counts := map[string]int{}
		wave := append([]fleet.InstanceInstallRequest(nil), order[start:start+100]...)
		for _, r := range wave {
			counts[apiScope(insts[r.InstanceID])]++
		}
		require.InDelta(t, 30, counts["azure|sub-a"], 1, "wave at %d: %v", start, counts)
		require.InDelta(t, 60, counts["aws|111111111111|eu-west-1"], 1, "wave at %d: %v", start, counts)
		require.InDelta(t, 10, counts["aws|222222222222|us-east-1"], 1, "wave at %d: %v", start, counts)
		byScopeThenID(wave, insts)
		changes := 0
		for i := 1; i < len(wave); i++ {
			if apiScope(insts[wave[i].InstanceID]) != apiScope(insts[wave[i-1].InstanceID]) {
				changes++
			}
		}
		require.Equal(t, 2, changes, "a wave is grouped by scope")
	}
}

package aws_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

func TestDiscoverListsEveryAccountAndRegionWithPagination(t *testing.T) {
	e := newEnv(t, 120, nil, awsfrontOpts(), nil)
	sel := fleet.Selector{Tags: map[string]string{"PatchGroup": "prod-auto"}}
	got, err := e.prov.Discover(context.Background(), sel)
	require.NoError(t, err)
	want := e.ids(sel)
	require.ElementsMatch(t, want, idsOf(got))
	places := map[string]bool{}
	for _, i := range got {
		places[i.Account+"/"+i.Region] = true
		require.Equal(t, fleet.CloudAWS, i.Cloud)
		require.NotEmpty(t, i.OS)
		require.Equal(t, "prod-auto", i.Tags["PatchGroup"])
	}
	require.Len(t, places, 6, "3 accounts x 2 regions")
	pages := 0
	for _, c := range e.front.Calls() {
		if c.Op == "DescribeInstanceInformation" {
			pages++
		}
	}
	require.Greater(t, pages, 6, "more than one page per account and region")
}

func TestScanInstallAndInventoryThroughTheEmulator(t *testing.T) {
	e := newEnv(t, 60, nil, awsfrontOpts(), nil)
	ctx := context.Background()
	insts, err := e.prov.Discover(ctx, fleet.Selector{})
	require.NoError(t, err)
	ids := idsOf(insts)[:20]
	scan, err := e.prov.Scan(ctx, ids, nil)
	require.NoError(t, err)
	require.Len(t, scan.Instances, len(ids))
	defs := map[string]fleet.Patch{}
	for _, p := range scan.Catalog {
		defs[p.ID] = p
	}
	var req fleet.InstallRequest
	req.CycleID, req.Reboot = "prod-auto/2026-W48", fleet.NoReboot
	for _, s := range scan.Instances {
		require.Empty(t, s.Error, s.InstanceID)
		truth, err := e.fleet.PendingPatches(s.InstanceID)
		require.NoError(t, err)
		var want, got []string
		for _, p := range truth {
			want = append(want, p.ID)
		}
		ir := fleet.InstanceInstallRequest{InstanceID: s.InstanceID}
		for _, ps := range s.Patches {
			if ps.State == fleet.StateMissing {
				got = append(got, ps.PatchID)
				ir.PatchIDs = append(ir.PatchIDs, ps.PatchID)
				d := defs[ps.PatchID]
				require.False(t, d.ReleaseDate.IsZero(), "definition of %s", ps.PatchID)
				require.NotEmpty(t, ps.InstalledVersion, ps.PatchID)
			}
		}
		require.ElementsMatch(t, want, got, s.InstanceID)
		if len(ir.PatchIDs) > 0 {
			req.Instances = append(req.Instances, ir)
		}
	}
	req.Patches = scan.Catalog
	before, err := e.prov.Inventory(ctx, ids)
	require.NoError(t, err)
	res, err := e.prov.Install(ctx, req, nil)
	require.NoError(t, err)
	after, err := e.fleet.Inventory(ctx, ids)
	require.NoError(t, err)
	was, now := versions(before), versions(after)
	for _, r := range res.Instances {
		require.Empty(t, r.Error, r.InstanceID)
		for _, c := range r.Changes {
			require.Contains(t, []fleet.PatchState{fleet.StateInstalled, fleet.StateInstalledPendingReboot}, c.State, "%s %s", r.InstanceID, c.PatchID)
			require.Equal(t, was[r.InstanceID][c.Name], c.FromVersion)
			require.Equal(t, now[r.InstanceID][c.Name], c.ToVersion)
			require.NotEqual(t, c.FromVersion, c.ToVersion)
		}
	}
	for _, id := range ids {
		left, err := e.fleet.PendingPatches(id)
		require.NoError(t, err)
		require.Empty(t, left, "%s still misses patches", id)
	}
	for _, c := range e.front.Calls() {
		if c.Op == "SendCommand" {
			require.LessOrEqual(t, c.Instances, fleet.MaxBatch)
		}
	}
	snap := awsprov.SnapshotID("prod-auto/2026-W48")
	require.Equal(t, snap, awsprov.SnapshotID("prod-auto/2026-W48"))
	require.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, snap)
}

func idsOf(insts []fleet.Instance) []string {
	out := make([]string, len(insts))
	for i, x := range insts {
		out[i] = x.ID
	}
	return out
}

func versions(invs []fleet.Inventory) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, inv := range invs {
		m := map[string]string{}
		for _, p := range inv.Packages {
			m[p.Name] = p.Version
		}
		out[inv.InstanceID] = m
	}
	return out
}

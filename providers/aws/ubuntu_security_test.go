package aws_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

// ubuntuSecurityOnly is AWS-UbuntuDefaultPatchBaseline: "Immediately
// approves all operating system security-related patches that have a
// priority of "Required", "Important", "Standard," "Optional," or
// "Extra."" (patch-manager-predefined-and-custom-patch-baselines.html);
// security-related means the candidate version is in the release's
// -security pocket (patch-manager-linux-rules.html, Ubuntu Server).
func ubuntuSecurityOnly() policy.Baseline {
	return policy.Baseline{Name: "ubuntu-security", OperatingSystem: "UBUNTU", ApprovalRules: &policy.ApprovalRules{PatchRules: []policy.PatchRule{
		{PatchFilterGroup: policy.FilterGroup{PatchFilters: []policy.PatchFilter{
			{Key: "PRODUCT", Values: []string{"*"}},
			{Key: "PRIORITY", Values: []string{"Required", "Important", "Standard", "Optional", "Extra"}},
		}}},
	}}}
}

// A security-only Ubuntu baseline through the provider and the emulator,
// which, like AWS, lists no repository for Ubuntu patches
// (API_PatchComplianceData.html has no such field; DescribeAvailablePatches
// is documented for Amazon Linux and Windows only): the scan with the
// baseline as BaselineOverride reports Missing exactly the -security
// pocket updates, as AWS counts as Missing only the patches "from the
// patch baseline that are applicable for the managed node but aren't
// currently installed" (API_InstancePatchState.html, MissingCount), and
// the evaluation approves them on that verdict. The simulated provider,
// which reports the pockets, decides the same.
func TestUbuntuSecurityOnlyBaselineApprovesWhatAWSReportsMissing(t *testing.T) {
	e := newEnv(t, 120, nil, awsfrontOpts(), nil)
	ctx := context.Background()
	insts, err := e.prov.Discover(ctx, fleet.Selector{OS: []fleet.OSFamily{fleet.OSUbuntu}})
	require.NoError(t, err)
	require.NotEmpty(t, insts)
	ids := idsOf(insts)[:min(20, len(insts))]
	b := ubuntuSecurityOnly()
	scan, err := e.prov.Scan(awsprov.WithBaselines(ctx, awsprov.Baselines{fleet.OSUbuntu: b}), ids, nil)
	require.NoError(t, err)
	defs := map[string]fleet.Patch{}
	for _, p := range scan.Catalog {
		defs[p.ID] = p
	}
	now := e.fleet.Now()
	approvedAWS := map[string]bool{}
	security, updates := 0, 0
	for _, s := range scan.Instances {
		require.Empty(t, s.Error, s.InstanceID)
		truth, err := e.fleet.PendingPatches(s.InstanceID)
		require.NoError(t, err)
		var want, got []string
		for _, p := range truth {
			if strings.HasSuffix(p.Repository, "-security") {
				want = append(want, p.ID)
				security++
			} else {
				updates++
			}
		}
		for _, ps := range s.Patches {
			if ps.State != fleet.StateMissing {
				continue
			}
			got = append(got, ps.PatchID)
			d := defs[ps.PatchID]
			require.Empty(t, d.Repository, "AWS lists no repository for Ubuntu: %s", d.ID)
			require.Equal(t, &fleet.CloudReport{Cloud: fleet.CloudAWS, Approved: true}, d.CloudReport, d.ID)
			dec := policy.Evaluate(&b, d, ps.InstalledVersion, now)
			require.Equal(t, policy.Approved, dec.Verdict, "%s: %s", d.ID, dec.Reason)
			require.Contains(t, dec.Reason, "takes AWS's own verdict", d.ID)
			approvedAWS[s.InstanceID+"|"+d.ID] = true
		}
		require.ElementsMatch(t, want, got, "Missing on %s is the -security pocket's updates, the -updates ones are not reported", s.InstanceID)
	}
	require.Positive(t, security, "the fleet misses -security updates")
	require.Positive(t, updates, "the fleet misses -updates updates too, which a security-only baseline leaves")

	// The simulated provider reports every pending patch with its pocket;
	// evaluated on its own attributes, it approves the same.
	simScan, err := sim.New(e.fleet).Scan(ctx, ids, nil)
	require.NoError(t, err)
	simDefs := map[string]fleet.Patch{}
	for _, p := range simScan.Catalog {
		simDefs[p.ID] = p
	}
	approvedSim := map[string]bool{}
	for _, s := range simScan.Instances {
		for _, ps := range s.Patches {
			if ps.State == fleet.StateMissing && policy.Evaluate(&b, simDefs[ps.PatchID], ps.InstalledVersion, now).Verdict == policy.Approved {
				approvedSim[s.InstanceID+"|"+ps.PatchID] = true
			}
		}
	}
	require.Equal(t, keys(approvedSim), keys(approvedAWS))
}

// Without a BaselineOverride AWS gives no verdict on the cycle's
// baseline, and an Ubuntu patch of unknown pocket is not approved: the
// decision says why instead of silently selecting nothing.
func TestUbuntuWithoutOverrideSaysThePocketIsUnknown(t *testing.T) {
	e := newEnv(t, 60, nil, awsfrontOpts(), nil)
	ctx := context.Background()
	insts, err := e.prov.Discover(ctx, fleet.Selector{OS: []fleet.OSFamily{fleet.OSUbuntu}})
	require.NoError(t, err)
	require.NotEmpty(t, insts)
	scan, err := e.prov.Scan(ctx, idsOf(insts)[:min(5, len(insts))], nil)
	require.NoError(t, err)
	b := ubuntuSecurityOnly()
	require.NotEmpty(t, scan.Catalog)
	for _, p := range scan.Catalog {
		require.Equal(t, &fleet.CloudReport{Cloud: fleet.CloudAWS}, p.CloudReport, p.ID)
		d := policy.Evaluate(&b, p, "", e.fleet.Now())
		require.Equal(t, policy.NotSelected, d.Verdict, p.ID)
		require.Contains(t, d.Reason, "AWS reports no pocket for the update and no cloud verdict approves it", p.ID)
	}
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

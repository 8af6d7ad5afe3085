package cloudsim_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, _ := virtualFleet(500, 42, cloudsim.Faults{})
	b, _ := virtualFleet(500, 42, cloudsim.Faults{})
	c, _ := virtualFleet(500, 43, cloudsim.Faults{})

	require.Equal(t, a.Instances(), b.Instances())
	for _, id := range a.IDs() {
		pa, _ := a.PendingPatches(id)
		pb, _ := b.PendingPatches(id)
		require.Equal(t, pa, pb, id)
	}
	assert.NotEqual(t, a.IDs(), c.IDs(), "another seed gives another fleet")

	// Instance i depends only on the seed and i.
	big, _ := virtualFleet(800, 42, cloudsim.Faults{})
	assert.Equal(t, a.IDs(), big.IDs()[:500])
}

func TestGenerateSpreadsOverCloudsOSesAndGroups(t *testing.T) {
	f, _ := virtualFleet(3000, 1, cloudsim.Faults{})
	require.Equal(t, 3000, f.Len())

	ec2 := regexp.MustCompile(`^i-0[0-9a-f]{16}$`)
	hybrid := regexp.MustCompile(`^mi-0[0-9a-f]{16}$`)
	azureID := regexp.MustCompile(`^/subscriptions/[0-9a-f-]{36}/resourceGroups/rg-[a-z-]+/providers/Microsoft\.Compute/virtualMachines/vm-[a-z]+-[a-z]+-\d{5}$`)

	groups, products, accounts, regions := map[string]int{}, map[string]int{}, map[string]int{}, map[string]int{}
	seen := map[string]bool{}
	var hybrids, azure, windows, compliant int
	for _, in := range f.Instances() {
		require.False(t, seen[in.ID], "duplicate ID %s", in.ID)
		seen[in.ID] = true
		switch in.Cloud {
		case fleet.CloudAWS:
			if hybrid.MatchString(in.ID) {
				hybrids++
			} else {
				assert.Regexp(t, ec2, in.ID)
			}
			assert.Contains(t, cloudsim.DefaultAWSAccounts, in.Account)
		case fleet.CloudAzure:
			azure++
			assert.Regexp(t, azureID, in.ID)
			assert.Contains(t, cloudsim.DefaultAzureSubscriptions, in.Account)
			assert.NotEmpty(t, in.ResourceGroup)
			assert.NotContains(t, []fleet.OSFamily{fleet.OSAmazonLinux2, fleet.OSAmazonLinux2023}, in.OS, "no Amazon Linux in Azure")
		}
		assert.Equal(t, fleet.PingOnline, in.Ping)
		assert.True(t, in.Reachable())
		assert.True(t, in.LastBootTime.Before(t0))
		assert.Equal(t, in.Name, in.Tags[cloudsim.TagName])
		assert.NotEmpty(t, in.Tags[cloudsim.TagEnvironment])
		groups[in.Tags[cloudsim.TagPatchGroup]]++
		accounts[in.Account]++
		regions[in.Region]++
		if in.OS == fleet.OSWindows {
			windows++
			assert.Equal(t, "Windows", in.Platform)
		} else {
			assert.Equal(t, "Linux", in.Platform)
		}
		products[string(in.OS)+" "+in.OSVersion]++
		if p, _ := f.PendingPatches(in.ID); len(p) == 0 {
			compliant++
		}
	}
	assert.Len(t, products, 7, "every OS release appears: %v", products)
	assert.Len(t, accounts, 5, "three AWS accounts and two Azure subscriptions")
	assert.Len(t, regions, 4)
	assert.InDelta(t, 0.20, float64(groups[cloudsim.GroupProdSensitive])/3000, 0.03)
	assert.InDelta(t, 0.50, float64(groups[cloudsim.GroupProdAuto])/3000, 0.03)
	assert.InDelta(t, 0.05, float64(groups[cloudsim.GroupJumpLog])/3000, 0.02)
	assert.InDelta(t, 0.25, float64(groups[cloudsim.GroupNonprod])/3000, 0.03)
	assert.InDelta(t, 0.05, float64(windows)/3000, 0.02)
	assert.InDelta(t, 0.25, float64(azure)/3000, 0.03)
	assert.Positive(t, hybrids)
	assert.Positive(t, compliant, "some instances are already compliant")
	assert.Less(t, compliant, 600)
}

func TestGenerateHonoursConfiguredMixes(t *testing.T) {
	f := cloudsim.Generate(cloudsim.Config{
		Seed: 3, Instances: 200, Now: t0, Clock: cloudsim.NewVirtualClock(t0),
		Groups:     []cloudsim.Share{{Key: "canary", Weight: 1}},
		OSMix:      []cloudsim.Share{{Key: cloudsim.ProductWindows2022, Weight: 1}},
		AzureShare: -1,
	})
	for _, in := range f.Instances() {
		assert.Equal(t, "canary", in.Tags[cloudsim.TagPatchGroup])
		assert.Equal(t, fleet.OSWindows, in.OS)
		assert.Equal(t, "2022", in.OSVersion)
		assert.Equal(t, fleet.CloudAWS, in.Cloud)
	}
}

func TestCatalogPatchesAreRealistic(t *testing.T) {
	f, _ := virtualFleet(3000, 5, cloudsim.Faults{})
	byID := map[string]fleet.Patch{}
	missingSets := map[string]bool{}
	for _, id := range f.IDs() {
		pending, err := f.PendingPatches(id)
		require.NoError(t, err)
		missingSets[strings.Join(patchIDs(pending), ",")] = true
		for _, p := range pending {
			if prev, ok := byID[p.ID]; ok {
				require.Equal(t, prev, p.Patch, "one definition per patch ID")
			}
			byID[p.ID] = p.Patch
			assert.NotEqual(t, p.InstalledVersion, p.Version, p.ID)
			assert.True(t, p.ReleaseDate.Before(t0) && p.ReleaseDate.After(t0.AddDate(0, 0, -32)), "%s released %s", p.ID, p.ReleaseDate)
			switch p.OS {
			case fleet.OSWindows:
				assert.Regexp(t, `^KB\d{6,7}$`, p.ID)
				assert.Equal(t, p.ID, p.KB)
				assert.Equal(t, "Windows", p.ProductFamily)
				assert.NotEmpty(t, p.MSRCSeverity)
				assert.NotEmpty(t, p.Classification)
			case fleet.OSUbuntu:
				assert.Equal(t, p.Name+":"+p.Version, p.ID)
				assert.Regexp(t, `^(focal|jammy|noble)-(security|updates)$`, p.Repository)
				assert.NotEmpty(t, p.Priority)
				assert.NotEmpty(t, p.Section)
				assert.Empty(t, p.Classification)
			default:
				assert.Equal(t, p.Name+":"+p.Version, p.ID)
				if p.Advisory == "" { // in no update notice: no classification either
					assert.Empty(t, p.Classification+p.Severity, p.ID)
					break
				}
				assert.Regexp(t, `^ALAS(2|2023)-20\d\d-\d{4}$`, p.Advisory)
				assert.Contains(t, []string{"Security", "Bugfix", "Enhancement"}, p.Classification)
				assert.Contains(t, []string{"Critical", "Important", "Medium", "Low"}, p.Severity)
			}
			if strings.HasPrefix(p.Name, "linux-image") || p.Name == "kernel" || p.Name == "glibc" || p.Name == "libc6" || strings.Contains(p.Name, "Cumulative Update for Windows") {
				assert.True(t, p.RequiresReboot, p.ID)
			}
		}
	}
	assert.Greater(t, len(missingSets), 500, "instances miss different subsets")

	require.Contains(t, byID, "openssl:3.0.2-0ubuntu1.18")
	jammy := byID["openssl:3.0.2-0ubuntu1.18"]
	assert.Equal(t, "Ubuntu22.04", jammy.Product)
	assert.True(t, jammy.IsSecurity())
	assert.NotEmpty(t, jammy.CVEs)
	assert.False(t, byID["tzdata:2024a-0ubuntu0.22.04.1"].IsSecurity(), "-updates pocket is not security")
	assert.True(t, byID["kernel:6.1.106-116.188.amzn2023"].RequiresReboot)
	assert.Equal(t, "WindowsServer2022", byID["KB5041160"].Product)
	assert.True(t, byID["KB5041160"].IsSecurity())
	assert.Equal(t, "DefinitionUpdates", byID["KB2267602"].Classification)

	recent, old := 0, 0
	for _, p := range byID {
		if p.ReleaseDate.After(t0.AddDate(0, 0, -7)) {
			recent++
		} else {
			old++
		}
	}
	assert.Positive(t, recent, "some patches are younger than a 7-day approval delay")
	assert.Positive(t, old)
}

package fleetsim_test

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/fleetsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
	azureprov "github.com/fleetpatch/fleetpatch/providers/azure"
)

// cycle is the run key both installs are for.
const cycle = "prod-auto/2026-W48/0f3c-run"

// The service reached as other processes reach it: the real SDK clients of
// both providers over its two addresses, trusting the Azure emulator
// through the CA file only; installs show in the admin API's journal; a
// restart from the state file keeps the fleet, the journal and the
// certificate.
func TestFleetsimServesBothCloudsToTheRealSDKsAndKeepsItsStateAcrossARestart(t *testing.T) {
	dir := t.TempDir()
	cfg := fleetsim.Config{Fleet: cloudsim.Config{Seed: 4, Instances: 60, Speed: 1000},
		State: filepath.Join(dir, "fleet.json.gz"), AzureCAFile: filepath.Join(dir, "azure-ca.pem"), AzureKeyFile: filepath.Join(dir, "azure-key.pem"),
		AWSPageSize: 50, AzurePageSize: 50}
	srv, err := fleetsim.Start(cfg)
	require.NoError(t, err)
	ep := srv.Endpoints()
	awsP, azP := awsProvider(t, ep), azureProvider(t, ep)
	ctx := context.Background()

	awsInsts, err := awsP.Discover(ctx, fleet.Selector{})
	require.NoError(t, err)
	azInsts, err := azP.Discover(ctx, fleet.Selector{})
	require.NoError(t, err)
	require.Equal(t, srv.Fleet().Len(), len(awsInsts)+len(azInsts), "one fleet behind both emulators")

	awsRes := scanAndInstall(t, awsP, awsInsts)
	azRes := scanAndInstall(t, azP, azInsts)

	var inst fleetsim.InstallsResponse
	getJSON(t, ep.Admin+"/installs", &inst)
	require.Len(t, inst.Records, 2)
	byID := map[string]cloudsim.InstallRecord{}
	for _, r := range inst.Records {
		byID[r.InstanceID] = r
		assert.Equal(t, cloudsim.OutcomeInstalled, r.Outcome)
	}
	awsRec, azRec := byID[awsRes.InstanceID], byID[azRes.InstanceID]
	assert.Equal(t, awsprov.SnapshotID(cycle), awsRec.CycleID, "AWS: the SnapshotId derived from the run key")
	assert.Equal(t, fleet.CloudAzure, azRec.Cloud)
	for res, rec := range map[*fleet.InstanceInstall]cloudsim.InstallRecord{&awsRes: awsRec, &azRes: azRec} {
		require.Len(t, rec.Changes, len(res.Changes), rec.InstanceID)
		for i, c := range rec.Changes {
			assert.Equal(t, res.Changes[i].PatchID, c.PatchID)
			assert.Equal(t, res.Changes[i].ToVersion, c.ToVersion, "the provider reports what the fleet installed")
			assert.NotEqual(t, c.FromVersion, c.ToVersion)
		}
	}
	var inv fleetsim.InventoryResponse
	getJSON(t, ep.Admin+"/inventory?ids="+awsRes.InstanceID, &inv)
	assert.Contains(t, inv.Instances[0].Packages, fleet.InstalledPackage{Name: awsRec.Changes[0].Name, Version: awsRec.Changes[0].ToVersion})

	require.NoError(t, srv.Close())
	cfg.AWSAddr, cfg.AzureAddr = hostOf(ep.AWS), hostOf(ep.Azure)
	cfg.Fleet = cloudsim.Config{Seed: 99, Instances: 5} // ignored: the state file has the fleet
	srv, err = fleetsim.Start(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Close()) })
	assert.Equal(t, 60, srv.Fleet().Len())
	recs, _ := srv.Fleet().Journal()
	assert.Len(t, recs, 2, "the journal survives the restart")
	again, err := azP.Discover(ctx, fleet.Selector{})
	require.NoError(t, err, "the client built before the restart still trusts the emulator")
	assert.Len(t, again, len(azInsts))
}

// scanAndInstall scans the first instance that misses a patch and installs
// what it misses, for the cycle, without a reboot.
func scanAndInstall(t *testing.T, p fleet.Provider, insts []fleet.Instance) fleet.InstanceInstall {
	t.Helper()
	ctx := context.Background()
	for _, in := range insts {
		scan, err := p.Scan(ctx, []string{in.ID}, nil)
		require.NoError(t, err)
		s := scan.Instances[0]
		require.Empty(t, s.Error, in.ID)
		ir := fleet.InstanceInstallRequest{InstanceID: in.ID}
		for _, ps := range s.Patches {
			if ps.State == fleet.StateMissing {
				ir.PatchIDs = append(ir.PatchIDs, ps.PatchID)
			}
		}
		if len(ir.PatchIDs) == 0 {
			continue
		}
		res, err := p.Install(ctx, fleet.InstallRequest{CycleID: cycle, Patches: scan.Catalog, Reboot: fleet.NoReboot,
			Instances: []fleet.InstanceInstallRequest{ir}}, nil)
		require.NoError(t, err)
		require.Empty(t, res.Instances[0].Error)
		return res.Instances[0]
	}
	t.Fatal("no instance misses a patch")
	return fleet.InstanceInstall{}
}

// awsProvider is the AWS provider over the service's AWS endpoint, as the
// dev stack builds it.
func awsProvider(t *testing.T, ep fleetsim.Endpoints) *awsprov.Provider {
	t.Helper()
	var targets []policy.AWSAccount
	for _, a := range cloudsim.DefaultAWSAccounts {
		targets = append(targets, policy.AWSAccount{ID: a, RoleARN: "arn:aws:iam::" + a + ":role/fleetpatch-target", Regions: cloudsim.DefaultAWSRegions})
	}
	base := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAFLEETSIMTEST0001", "emulator-only", "")}
	p, err := awsprov.New(context.Background(), awsprov.Config{Targets: targets, Base: &base, Bucket: "fleetpatch-fleetsim",
		Endpoints: awsprov.Endpoints{SSM: ep.AWS, STS: ep.AWS, S3: ep.AWS}, PollInterval: 10 * time.Millisecond, Rate: 500, Burst: 100})
	require.NoError(t, err)
	return p
}

// azureProvider is the Azure provider over the service's ARM endpoint,
// trusting the certificate in the CA file it wrote.
func azureProvider(t *testing.T, ep fleetsim.Endpoints) *azureprov.Provider {
	t.Helper()
	pem, err := os.ReadFile(ep.AzureCA)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(pem))
	p, err := azureprov.New(azureprov.Config{
		Targets: []policy.AzureSubscription{
			{ID: cloudsim.DefaultAzureSubscriptions[0]},
			{ID: cloudsim.DefaultAzureSubscriptions[1], ResourceGroups: cloudsim.DefaultAzureResourceGroups}},
		Credential: azureprov.StaticCredential("emulator"), Cloud: azureprov.EmulatorCloud(ep.Azure), RootCAs: pool,
		PollInterval: 10 * time.Millisecond, RetryDelay: 10 * time.Millisecond})
	require.NoError(t, err)
	return p
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, url)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(v))
}

// hostOf returns the host:port of an endpoint URL.
func hostOf(url string) string {
	_, hp, _ := strings.Cut(url, "://")
	return hp
}

package aws_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/fleet"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

// newRestoreEnv is an emulator over a real-time fleet whose snapshots
// take 20ms and reboots 80ms, and a provider polling every 5ms.
func newRestoreEnv(t *testing.T) *env {
	t.Helper()
	f := cloudsim.Generate(cloudsim.Config{Seed: 11, Instances: 120, AzureShare: -1, Speed: 1,
		Timing: &cloudsim.Timing{Snapshot: 20 * time.Millisecond, Reboot: 80 * time.Millisecond, RebootMaxWait: time.Second}})
	fopts := awsfrontOpts()
	fopts.ExternalIDs = map[string]string{}
	for _, a := range cloudsim.DefaultAWSAccounts {
		fopts.ExternalIDs[a] = "fp-" + a
	}
	front := awsfront.New(f, fopts)
	srv := httptest.NewServer(front)
	t.Cleanup(func() { srv.Close(); front.Close() })
	base := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAFLEETPATCHTEST01", "secret", "")}
	p, err := awsprov.New(context.Background(), awsprov.Config{Targets: targets(), Base: &base,
		Endpoints:    awsprov.Endpoints{SSM: srv.URL, STS: srv.URL, S3: srv.URL},
		PollInterval: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Rate: 1000, Burst: 1000})
	require.NoError(t, err)
	return &env{t: t, fleet: f, front: front, prov: p, url: srv.URL}
}

func TestRestoreReplacesTheRootVolumeAndLeavesDataVolumesToTheOperator(t *testing.T) {
	e := newRestoreEnv(t)
	ctx := context.Background()
	var id string
	var pending []fleet.PatchOnInstance
	for _, in := range e.fleet.Instances() {
		disks, _ := e.fleet.Disks(in.ID)
		pending, _ = e.fleet.PendingPatches(in.ID)
		if in.Account != "333333333333" && len(disks) == 2 && len(pending) > 0 {
			id = in.ID
			break
		}
	}
	require.NotEmpty(t, id, "an EC2 instance with a data volume that misses patches")
	before := e.fleet.Installed(id)[0].Packages
	snaps, err := e.prov.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: []string{id}, Key: "run/w0/b0", Group: "g", Cycle: "2026-W48"}, nil)
	require.NoError(t, err)
	require.Empty(t, snaps[0].Error)
	require.Len(t, snaps[0].Snapshots, 2)

	ids := make([]string, len(pending))
	for i, p := range pending {
		ids[i] = p.ID
	}
	res, err := e.fleet.Install(ctx, fleet.InstallRequest{CycleID: "2026-W48", Reboot: fleet.RebootIfNeeded,
		Instances: []fleet.InstanceInstallRequest{{InstanceID: id, PatchIDs: ids}}}, nil)
	require.NoError(t, err)
	require.Empty(t, res.Instances[0].Error)
	_, err = e.fleet.WaitReady(ctx, []string{id}, nil)
	require.NoError(t, err)
	require.NotEqual(t, before, e.fleet.Installed(id)[0].Packages)

	kctx := fleet.WithCallKey(ctx, "restore/prod-auto/2026-W48/"+id+"/run-1")
	got, err := e.prov.Restore(kctx, fleet.RestoreRequest{InstanceID: id, Snapshots: snaps[0].Snapshots})
	require.NoError(t, err)
	require.Len(t, got.Disks, 2)
	root, data := got.Disks[0], got.Disks[1]
	assert.Equal(t, fleet.RestoreDone, root.State, "%+v", root)
	assert.Regexp(t, `^replacevol-`, root.TaskID)
	assert.Equal(t, fleet.RestoreNotAutomated, data.State)
	assert.Contains(t, data.Detail, "run the printed steps")
	assert.False(t, got.Restored(), "the data volume is left to the operator")

	inv, err := e.fleet.Inventory(ctx, []string{id})
	require.NoError(t, err)
	assert.Equal(t, before, inv[0].Packages, "the fleet's inventory shows the versions before the install")
	now, _ := e.fleet.PendingPatches(id)
	assert.Equal(t, pending, now, "the installed patches are missing again")
	assert.Positive(t, e.snapCalls("DescribeReplaceRootVolumeTasks"), "the provider waited on the task")

	// A retry of the call (same key) gets the same task: no second restore.
	again, err := e.prov.Restore(kctx, fleet.RestoreRequest{InstanceID: id, Snapshots: snaps[0].Snapshots})
	require.NoError(t, err)
	assert.Equal(t, root.TaskID, again.Disks[0].TaskID)
	assert.Len(t, e.fleet.Restores(cloudsim.RestoreQuery{InstanceID: id}), 1)
	assert.Equal(t, 2, e.snapCalls("CreateReplaceRootVolumeTask"), "the retry asked again, with the same client token")
}

func TestRestoreDeniedIsPermanent(t *testing.T) {
	e := newRestoreEnv(t)
	ctx := context.Background()
	var id string
	for _, in := range e.fleet.Instances() {
		if in.Account == "111111111111" && in.ID[:2] == "i-" {
			id = in.ID
			break
		}
	}
	snaps, err := e.prov.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: []string{id}, Key: "k"}, nil)
	require.NoError(t, err)
	e.front.DenyAction("111111111111", "ec2:CreateReplaceRootVolumeTask", "an explicit deny in a service control policy")
	_, err = e.prov.Restore(fleet.WithCallKey(ctx, "r"), fleet.RestoreRequest{InstanceID: id, Snapshots: snaps[0].Snapshots})
	require.ErrorIs(t, err, fleet.ErrPermanent)
	assert.Contains(t, err.Error(), "CreateReplaceRootVolumeTask")
	assert.Empty(t, e.fleet.Restores(cloudsim.RestoreQuery{}))
}

package awsfront_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestEC2ReplaceRootVolumeWithTheSDK(t *testing.T) {
	clock := cloudsim.NewVirtualClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	f := cloudsim.Generate(cloudsim.Config{Seed: 5, Instances: 160, AzureShare: -1, Clock: clock,
		Timing: &cloudsim.Timing{Snapshot: 10 * time.Minute, Reboot: 4 * time.Minute}})
	front := awsfront.New(f, awsfront.Options{})
	srv := httptest.NewServer(front)
	defer func() { srv.Close(); front.Close() }()
	ctx := context.Background()
	const account, region = "111111111111", "eu-west-1"
	var mine []fleet.Instance
	for _, in := range f.Instances() {
		disks, _ := f.Disks(in.ID)
		pending, _ := f.PendingPatches(in.ID)
		if in.Account == account && in.Region == region && len(disks) == 2 && len(pending) > 0 && len(mine) < 2 {
			mine = append(mine, in)
		}
	}
	require.Len(t, mine, 2)
	id := mine[0].ID
	before := f.Installed(id)[0].Packages
	c := ec2For(srv.URL, account, region)
	snaps := map[string]string{} // instance/volume kind -> snapshot
	for _, in := range mine {
		out, err := c.CreateSnapshots(ctx, &ec2.CreateSnapshotsInput{InstanceSpecification: &types.InstanceSpecification{InstanceId: aws.String(in.ID)}})
		require.NoError(t, err)
		disks, _ := f.Disks(in.ID)
		for _, s := range out.Snapshots {
			kind := "data"
			if aws.ToString(s.VolumeId) == disks[0].ID {
				kind = "root"
			}
			snaps[in.ID+"/"+kind] = aws.ToString(s.SnapshotId)
		}
	}
	pending, _ := f.PendingPatches(id)
	var ids []string
	for _, p := range pending {
		ids = append(ids, p.ID)
	}
	res, err := f.Install(ctx, fleet.InstallRequest{CycleID: "2026-W48", Reboot: fleet.RebootIfNeeded,
		Instances: []fleet.InstanceInstallRequest{{InstanceID: id, PatchIDs: ids}}}, nil)
	require.NoError(t, err)
	require.Empty(t, res.Instances[0].Error)
	clock.Advance(time.Hour)
	require.NotEqual(t, before, f.Installed(id)[0].Packages)

	create := func(snap, token string) (*ec2.CreateReplaceRootVolumeTaskOutput, error) {
		return c.CreateReplaceRootVolumeTask(ctx, &ec2.CreateReplaceRootVolumeTaskInput{InstanceId: aws.String(id),
			SnapshotId: aws.String(snap), ClientToken: aws.String(token)})
	}
	_, err = create(snaps[id+"/data"], "t0")
	assert.Equal(t, "InvalidParameterValue", apiCode(err), "a data volume's snapshot is not of the root volume lineage")
	_, err = create(snaps[mine[1].ID+"/root"], "t0")
	assert.Equal(t, "InvalidParameterValue", apiCode(err), "another instance's root snapshot")
	_, err = create("snap-0000000000000000", "t0")
	assert.Equal(t, "InvalidSnapshot.NotFound", apiCode(err))

	task, err := create(snaps[id+"/root"], "t1")
	require.NoError(t, err)
	tid := aws.ToString(task.ReplaceRootVolumeTask.ReplaceRootVolumeTaskId)
	assert.Regexp(t, `^replacevol-0[0-9a-f]{16}$`, tid)
	assert.Equal(t, types.ReplaceRootVolumeTaskStatePending, task.ReplaceRootVolumeTask.TaskState)
	again, err := create(snaps[id+"/root"], "t1")
	require.NoError(t, err)
	assert.Equal(t, tid, aws.ToString(again.ReplaceRootVolumeTask.ReplaceRootVolumeTaskId), "the same client token returns the same task")
	_, err = create(snaps[mine[1].ID+"/root"], "t1")
	assert.Equal(t, "IdempotentParameterMismatch", apiCode(err))

	state := func() types.ReplaceRootVolumeTaskState {
		out, err := c.DescribeReplaceRootVolumeTasks(ctx, &ec2.DescribeReplaceRootVolumeTasksInput{
			Filters: []types.Filter{{Name: aws.String("instance-id"), Values: []string{id}}}})
		require.NoError(t, err)
		require.Len(t, out.ReplaceRootVolumeTasks, 1)
		return out.ReplaceRootVolumeTasks[0].TaskState
	}
	assert.Equal(t, types.ReplaceRootVolumeTaskStatePending, state())
	clock.Advance(2 * time.Minute)
	assert.Equal(t, types.ReplaceRootVolumeTaskStateInProgress, state())
	clock.Advance(3 * time.Minute)
	assert.Equal(t, types.ReplaceRootVolumeTaskStateSucceeded, state())
	assert.Equal(t, before, f.Installed(id)[0].Packages, "the root volume is back: the packages of the snapshot")

	other := ec2For(srv.URL, "222222222222", region)
	out, err := other.DescribeReplaceRootVolumeTasks(ctx, &ec2.DescribeReplaceRootVolumeTasksInput{ReplaceRootVolumeTaskIds: []string{tid}})
	require.NoError(t, err)
	assert.Empty(t, out.ReplaceRootVolumeTasks, "another account sees none")
}

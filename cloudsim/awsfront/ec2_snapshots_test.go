package awsfront_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// ec2For returns a real EC2 client of the SDK for an account's assumed-role
// key and a region, talking to the emulator, without retries.
func ec2For(url, account, region string) *ec2.Client {
	return ec2.New(ec2.Options{Region: region, BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("ASIA"+account+"ABCD", "secret", "token")})
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestEC2SnapshotsWithTheSDK(t *testing.T) {
	clock := cloudsim.NewManualClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	f := cloudsim.Generate(cloudsim.Config{Seed: 5, Instances: 120, AzureShare: -1, Clock: clock, Timing: &cloudsim.Timing{Snapshot: 10 * time.Minute}})
	front := awsfront.New(f, awsfront.Options{PageSize: 2})
	srv := httptest.NewServer(front)
	defer func() { srv.Close(); front.Close() }()
	ctx := context.Background()
	const account, region = "111111111111", "eu-west-1"
	var mine []fleet.Instance
	for _, in := range f.Instances() {
		disks, _ := f.Disks(in.ID)
		if in.Account == account && in.Region == region && len(disks) == 2 && len(mine) < 2 {
			mine = append(mine, in)
		}
	}
	require.Len(t, mine, 2, "two instances with a data volume")
	c := ec2For(srv.URL, account, region)
	tags := []types.TagSpecification{{ResourceType: types.ResourceTypeSnapshot, Tags: []types.Tag{
		{Key: aws.String("fleetpatch:key"), Value: aws.String("k1")}, {Key: aws.String("fleetpatch:instance"), Value: aws.String(mine[0].ID)}}}}

	// CreateSnapshots: one snapshot per volume, pending.
	created, err := c.CreateSnapshots(ctx, &ec2.CreateSnapshotsInput{
		InstanceSpecification: &types.InstanceSpecification{InstanceId: aws.String(mine[0].ID)},
		TagSpecifications:     tags, CopyTagsFromSource: types.CopyTagsFromSourceVolume, Description: aws.String("before patching")})
	require.NoError(t, err)
	disks, _ := f.Disks(mine[0].ID)
	require.Len(t, created.Snapshots, 2)
	for i, s := range created.Snapshots {
		assert.Equal(t, disks[i].ID, aws.ToString(s.VolumeId))
		assert.Equal(t, types.SnapshotStatePending, s.State)
		assert.Equal(t, account, aws.ToString(s.OwnerId))
		assert.Equal(t, "0%", aws.ToString(s.Progress))
		assert.Equal(t, clock.Now(), aws.ToTime(s.StartTime))
		assert.Len(t, s.Tags, 2)
	}
	// Only the data volume of the other instance.
	data, err := c.CreateSnapshots(ctx, &ec2.CreateSnapshotsInput{
		InstanceSpecification: &types.InstanceSpecification{InstanceId: aws.String(mine[1].ID), ExcludeBootVolume: aws.Bool(true)}})
	require.NoError(t, err)
	require.Len(t, data.Snapshots, 1)
	require.Len(t, f.Snapshots(), 3)

	// DescribeSnapshots by tag, paginated (2 a page), pending then completed.
	byTag := &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, Filters: []types.Filter{
		{Name: aws.String("tag:fleetpatch:key"), Values: []string{"k1"}}, {Name: aws.String("tag-key"), Values: []string{"fleetpatch:instance"}}}}
	var found []types.Snapshot
	pages := ec2.NewDescribeSnapshotsPaginator(c, byTag)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		require.NoError(t, err)
		found = append(found, page.Snapshots...)
	}
	require.Len(t, found, 2)
	clock.Advance(5 * time.Minute)
	got, err := c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{aws.ToString(found[0].SnapshotId)}})
	require.NoError(t, err)
	assert.Equal(t, types.SnapshotStatePending, got.Snapshots[0].State)
	assert.Equal(t, "50%", aws.ToString(got.Snapshots[0].Progress))
	clock.Advance(5 * time.Minute)
	got, err = c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{aws.ToString(found[0].SnapshotId)}})
	require.NoError(t, err)
	assert.Equal(t, types.SnapshotStateCompleted, got.Snapshots[0].State)
	assert.Equal(t, "100%", aws.ToString(got.Snapshots[0].Progress))
	none, err := c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"amazon"}})
	require.NoError(t, err)
	assert.Empty(t, none.Snapshots)

	// Other accounts and regions see none of them.
	other := ec2For(srv.URL, "222222222222", region)
	_, err = other.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{SnapshotIds: []string{aws.ToString(found[0].SnapshotId)}})
	require.Equal(t, "InvalidSnapshot.NotFound", apiCode(err))
	_, err = other.CreateSnapshots(ctx, &ec2.CreateSnapshotsInput{InstanceSpecification: &types.InstanceSpecification{InstanceId: aws.String(mine[0].ID)}})
	require.Equal(t, "InvalidInstanceID.NotFound", apiCode(err))
	all, err := ec2For(srv.URL, account, "us-east-1").DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{})
	require.NoError(t, err)
	assert.Empty(t, all.Snapshots)
	_, err = c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{Filters: []types.Filter{{Name: aws.String("encrypted"), Values: []string{"false"}}}})
	require.Equal(t, "InvalidParameterValue", apiCode(err))

	// DescribeVolumes by attachment.
	vols, err := c.DescribeVolumes(ctx, &ec2.DescribeVolumesInput{Filters: []types.Filter{
		{Name: aws.String("attachment.instance-id"), Values: []string{mine[0].ID, mine[1].ID}}}, MaxResults: aws.Int32(5)})
	require.NoError(t, err)
	require.Len(t, vols.Volumes, 2, "a page of two")
	require.NotNil(t, vols.NextToken)
	assert.Equal(t, disks[0].Device, aws.ToString(vols.Volumes[0].Attachments[0].Device))
	assert.Equal(t, mine[0].ID, aws.ToString(vols.Volumes[0].Attachments[0].InstanceId))

	// DeleteSnapshot, then it is gone.
	id := aws.ToString(found[0].SnapshotId)
	_, err = c.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(id)})
	require.NoError(t, err)
	_, err = c.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(id)})
	require.Equal(t, "InvalidSnapshot.NotFound", apiCode(err))
	journal := f.Snapshots()
	require.Equal(t, id, journal[0].ID)
	require.False(t, journal[0].Deleted.IsZero())

	// Denied and throttled calls, in EC2's codes.
	front.DenyAction(account, "ec2:CreateSnapshots", "no identity-based policy allows the ec2:CreateSnapshots action")
	_, err = c.CreateSnapshots(ctx, &ec2.CreateSnapshotsInput{InstanceSpecification: &types.InstanceSpecification{InstanceId: aws.String(mine[0].ID)}})
	require.Equal(t, "UnauthorizedOperation", apiCode(err))
	require.ErrorContains(t, err, "not authorized to perform: ec2:CreateSnapshots")
	front.SetThrottle(awsfront.Throttle{Every: 1})
	_, err = c.DescribeSnapshots(ctx, &ec2.DescribeSnapshotsInput{})
	require.Equal(t, "RequestLimitExceeded", apiCode(err))
	require.Len(t, f.Snapshots(), 3, "nothing taken by refused calls")
	calls := front.Calls()
	last := calls[len(calls)-1]
	assert.Equal(t, awsfront.Call{Service: "ec2", Op: "DescribeSnapshots", Account: account, Region: region, Error: "RequestLimitExceeded", At: last.At}, last)
	assert.True(t, strings.HasPrefix(aws.ToString(data.Snapshots[0].SnapshotId), "snap-0"))
}

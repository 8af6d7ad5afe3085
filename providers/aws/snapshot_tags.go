package aws

import (
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// snapshotTags are the TagSpecifications of a request's snapshots of one
// instance (ResourceType snapshot: CreateSnapshots tags every snapshot it
// takes with them).
func snapshotTags(req fleet.SnapshotRequest, instanceID string) []types.TagSpecification {
	tags := []types.Tag{
		{Key: aws.String(fleet.SnapshotTagKey), Value: aws.String(req.Key)},
		{Key: aws.String(fleet.SnapshotTagInstance), Value: aws.String(instanceID)},
		{Key: aws.String(fleet.SnapshotTagGroup), Value: aws.String(req.Group)},
		{Key: aws.String(fleet.SnapshotTagCycle), Value: aws.String(req.Cycle)},
	}
	if !req.Expires.IsZero() {
		tags = append(tags, types.Tag{Key: aws.String(fleet.SnapshotTagExpires), Value: aws.String(req.Expires.UTC().Format(time.RFC3339))})
	}
	return []types.TagSpecification{{ResourceType: types.ResourceTypeSnapshot, Tags: tags}}
}

// tagMap reads EC2 tags.
func tagMap(tags []types.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// diskSnapshotOf converts a DescribeSnapshots Snapshot of a place; the
// device is known only from the instance's volumes (DescribeVolumes).
func diskSnapshotOf(pl place, s types.Snapshot, device string) fleet.DiskSnapshot {
	tags := tagMap(s.Tags)
	d := fleet.DiskSnapshot{
		ID: aws.ToString(s.SnapshotId), InstanceID: tags[fleet.SnapshotTagInstance], Cloud: fleet.CloudAWS,
		Account: pl.account, Region: pl.region, Disk: aws.ToString(s.VolumeId), Device: device,
		Group: tags[fleet.SnapshotTagGroup], Cycle: tags[fleet.SnapshotTagCycle], Created: aws.ToTime(s.StartTime), State: string(s.State),
	}
	d.Expires, _ = time.Parse(time.RFC3339, tags[fleet.SnapshotTagExpires])
	return d
}

// snapshotOfInfo is CreateSnapshots' SnapshotInfo as a Snapshot.
func snapshotOfInfo(s types.SnapshotInfo) types.Snapshot {
	return types.Snapshot{SnapshotId: s.SnapshotId, VolumeId: s.VolumeId, StartTime: s.StartTime, State: s.State,
		Tags: s.Tags, Progress: s.Progress}
}

// matchesFilter reports whether a snapshot matches a filter: instance,
// group and cycle equal when set, and with ExpiredBefore an expiry tag
// before it (a snapshot without a readable expiry never expires).
func matchesFilter(d fleet.DiskSnapshot, f fleet.SnapshotFilter) bool {
	switch {
	case f.InstanceID != "" && !strings.EqualFold(d.InstanceID, f.InstanceID),
		f.Group != "" && d.Group != f.Group,
		f.Cycle != "" && d.Cycle != f.Cycle:
		return false
	case !f.ExpiredBefore.IsZero():
		return !d.Expires.IsZero() && d.Expires.Before(f.ExpiredBefore)
	}
	return true
}

// isRootDevice reports whether a device name is an instance's root
// device: /dev/xvda (Amazon Linux, Ubuntu on Nitro AMIs) or /dev/sda1
// (Windows and older Ubuntu AMIs)
// (https://docs.aws.amazon.com/ebs/latest/userguide/device_naming.html).
func isRootDevice(device string) bool { return device == "/dev/xvda" || device == "/dev/sda1" }

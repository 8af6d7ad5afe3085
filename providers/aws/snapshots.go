package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Snapshotter = (*Provider)(nil)

// Snapshot takes EBS snapshots of every volume of at most 50 EC2
// instances, per account and region of the batch: DescribeVolumes
// (attachment.instance-id) lists their volumes and devices,
// DescribeSnapshots (tag:fleetpatch:key and tag:fleetpatch:instance)
// finds the snapshots an earlier attempt with the same Key took, and one
// CreateSnapshots per instance, tagged (see snapshotTags), takes
// crash-consistent snapshots of the volumes not covered yet (leaving the
// others out with ExcludeBootVolume and ExcludeDataVolumeId)
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSnapshots.html,
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSnapshots.html,
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVolumes.html).
// Then it polls DescribeSnapshots every PollInterval until every snapshot
// is completed, calling progress as instances finish, until ctx ends
// (then the unfinished instances carry an error and ctx's error is
// returned with the results).
//
// Hybrid nodes (mi-...), instances in no target account and region,
// instances without volumes and snapshots that end in state error are
// per-instance errors. A denied action (UnauthorizedOperation) or a role
// that cannot be assumed fails the call with fleet.ErrPermanent,
// throttling that outlasts the SDK's retries with fleet.ErrThrottled.
func (p *Provider) Snapshot(ctx context.Context, req fleet.SnapshotRequest, progress fleet.Progress) ([]fleet.InstanceSnapshots, error) {
	if len(req.InstanceIDs) > fleet.MaxBatch {
		return nil, fmt.Errorf("aws: snapshot of %d instances: %w", len(req.InstanceIDs), fleet.ErrTooManyInstances)
	}
	if req.Key == "" {
		return nil, fmt.Errorf("aws: snapshot request without a key (it makes retries idempotent): %w", fleet.ErrPermanent)
	}
	out := make([]fleet.InstanceSnapshots, len(req.InstanceIDs))
	at := map[string]int{}
	var ec2IDs []string
	pc := &progressCounter{total: len(req.InstanceIDs), report: progress}
	for i, id := range req.InstanceIDs {
		out[i].InstanceID, at[id] = id, i
		if strings.HasPrefix(id, "mi-") {
			out[i].Error = "SSM hybrid node: it has no EBS volumes to snapshot"
			out[i].NoCloudDisks = true
			pc.add(1)
			continue
		}
		ec2IDs = append(ec2IDs, id)
	}
	groups, missing, err := p.locate(ctx, ec2IDs)
	if err != nil {
		return nil, err
	}
	for id, why := range missing {
		out[at[id]].Error = why
	}
	pc.add(len(missing))
	var mu sync.Mutex
	err = eachGroup(groups, func(g group) error {
		res, err := p.snapshotGroup(ctx, g, req, pc)
		mu.Lock()
		defer mu.Unlock()
		for id, r := range res {
			out[at[id]] = r
		}
		return err
	})
	return out, err
}

// snapshotGroup snapshots the instances of one account and region and
// waits for the snapshots. It returns every instance's result, and the
// error that fails the call, if any.
func (p *Provider) snapshotGroup(ctx context.Context, g group, req fleet.SnapshotRequest, pc *progressCounter) (map[string]fleet.InstanceSnapshots, error) {
	res := map[string]fleet.InstanceSnapshots{}
	fail := func(err error) (map[string]fleet.InstanceSnapshots, error) {
		for _, id := range g.ids {
			if _, ok := res[id]; !ok {
				res[id] = fleet.InstanceSnapshots{InstanceID: id, Error: "not snapshotted: " + err.Error()}
			}
		}
		return res, err
	}
	vols, err := p.volumes(ctx, g)
	if err != nil {
		return fail(err)
	}
	taken, err := p.snapshotsByKey(ctx, g, req.Key)
	if err != nil {
		return fail(err)
	}
	for _, id := range g.ids {
		r, err := p.snapshotInstance(ctx, g, req, id, vols[id], taken[id])
		if err != nil {
			return fail(err)
		}
		res[id] = r
		if r.Error != "" {
			pc.add(1)
		}
	}
	return p.waitSnapshots(ctx, g, res, pc)
}

// volume is an EBS volume attached to an instance.
type volume struct{ id, device string }

// volumes lists the volumes attached to the group's instances.
func (p *Provider) volumes(ctx context.Context, g group) (map[string][]volume, error) {
	out := map[string][]volume{}
	pages := ec2.NewDescribeVolumesPaginator(g.ec2, &ec2.DescribeVolumesInput{MaxResults: aws.Int32(1000),
		Filters: []types.Filter{{Name: aws.String("attachment.instance-id"), Values: g.ids}}})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, wrapErr("DescribeVolumes in "+g.String(), err)
		}
		for _, v := range page.Volumes {
			for _, a := range v.Attachments {
				id := aws.ToString(a.InstanceId)
				out[id] = append(out[id], volume{id: aws.ToString(v.VolumeId), device: aws.ToString(a.Device)})
			}
		}
	}
	return out, nil
}

// snapshotsByKey finds, by tag, the group's instances' snapshots of the
// request's key that still exist.
func (p *Provider) snapshotsByKey(ctx context.Context, g group, key string) (map[string][]types.Snapshot, error) {
	out := map[string][]types.Snapshot{}
	pages := ec2.NewDescribeSnapshotsPaginator(g.ec2, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, MaxResults: aws.Int32(1000),
		Filters: []types.Filter{
			{Name: aws.String("tag:" + fleet.SnapshotTagKey), Values: []string{key}},
			{Name: aws.String("tag:" + fleet.SnapshotTagInstance), Values: g.ids},
		}})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, wrapErr("DescribeSnapshots in "+g.String(), err)
		}
		for _, s := range page.Snapshots {
			id := tagMap(s.Tags)[fleet.SnapshotTagInstance]
			out[id] = append(out[id], s)
		}
	}
	return out, nil
}

// snapshotInstance takes the snapshots of one instance's volumes that
// taken does not cover. The error is set only when it fails the call
// (permanent, throttled, ctx); the result carries the others.
func (p *Provider) snapshotInstance(ctx context.Context, g group, req fleet.SnapshotRequest, id string, vols []volume, taken []types.Snapshot) (fleet.InstanceSnapshots, error) {
	r := fleet.InstanceSnapshots{InstanceID: id}
	device := map[string]string{}
	for _, v := range vols {
		device[v.id] = v.device
	}
	covered := map[string]bool{}
	for _, s := range taken {
		covered[aws.ToString(s.VolumeId)] = true
		d := diskSnapshotOf(g.place, s, device[aws.ToString(s.VolumeId)])
		d.InstanceID = id
		r.Snapshots = append(r.Snapshots, d)
	}
	spec := &types.InstanceSpecification{InstanceId: aws.String(id)}
	need := 0
	for _, v := range vols {
		switch {
		case !covered[v.id]:
			need++
		case isRootDevice(v.device):
			spec.ExcludeBootVolume = aws.Bool(true)
		default:
			spec.ExcludeDataVolumeIds = append(spec.ExcludeDataVolumeIds, v.id)
		}
	}
	if need == 0 {
		if len(r.Snapshots) == 0 {
			r.Error = "no EBS volume is attached to the instance"
		}
		return r, nil
	}
	created, err := g.ec2.CreateSnapshots(ctx, &ec2.CreateSnapshotsInput{InstanceSpecification: spec,
		TagSpecifications: snapshotTags(req, id), Description: aws.String(snapshotDescription(req))})
	if err != nil {
		err = wrapErr("CreateSnapshots of "+id+" in "+g.String(), err)
		if ctx.Err() != nil || errors.Is(err, fleet.ErrPermanent) || errors.Is(err, fleet.ErrThrottled) {
			return r, err
		}
		r.Error = err.Error()
		return r, nil
	}
	for _, s := range created.Snapshots {
		d := diskSnapshotOf(g.place, snapshotOfInfo(s), device[aws.ToString(s.VolumeId)])
		d.InstanceID = id
		r.Snapshots = append(r.Snapshots, d)
	}
	return r, nil
}

// snapshotDescription describes a request's snapshots.
func snapshotDescription(req fleet.SnapshotRequest) string {
	d := "fleetpatch: before patching"
	if req.Group != "" {
		d += ", group " + req.Group
	}
	if req.Cycle != "" {
		d += ", cycle " + req.Cycle
	}
	return d
}

package aws

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// ListSnapshots lists, in every target account and region (only the
// instance's when the filter names a known instance), the snapshots
// fleetpatch took: DescribeSnapshots of the account's own (OwnerIds self)
// with the tag-key filter fleetpatch:key, and tag:<key> filters for the
// filter's instance, group and cycle; ExpiredBefore is applied to the
// expiry tag. Device is left empty (volumes may be gone by then). An
// account whose role cannot be assumed fails the call.
func (p *Provider) ListSnapshots(ctx context.Context, filter fleet.SnapshotFilter) ([]fleet.DiskSnapshot, error) {
	places := p.places(fleet.Selector{})
	if filter.InstanceID != "" {
		if n := p.nodeInfo(filter.InstanceID); n.account != "" {
			places = []place{n.place}
		}
	}
	in := &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, MaxResults: aws.Int32(1000),
		Filters: []types.Filter{{Name: aws.String("tag-key"), Values: []string{fleet.SnapshotTagKey}}}}
	for key, v := range map[string]string{fleet.SnapshotTagInstance: filter.InstanceID, fleet.SnapshotTagGroup: filter.Group, fleet.SnapshotTagCycle: filter.Cycle} {
		if v != "" {
			in.Filters = append(in.Filters, types.Filter{Name: aws.String("tag:" + key), Values: []string{v}})
		}
	}
	slices.SortFunc(in.Filters, func(a, b types.Filter) int { return strings.Compare(*a.Name, *b.Name) })
	var out []fleet.DiskSnapshot
	for _, pl := range places {
		c := p.clientsFor(pl)
		if err := c.credentials(ctx); err != nil {
			return nil, err
		}
		pages := ec2.NewDescribeSnapshotsPaginator(c.ec2, in)
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, wrapErr("DescribeSnapshots in "+pl.String(), err)
			}
			for _, s := range page.Snapshots {
				if d := diskSnapshotOf(pl, s, ""); matchesFilter(d, filter) {
					out = append(out, d)
				}
			}
		}
	}
	return out, nil
}

// DeleteSnapshots deletes at most 50 snapshots, per account and region:
// DescribeSnapshots (filter snapshot-id) first, so that a snapshot
// without the fleetpatch:key tag is never deleted (it is refused: the
// call deletes the others and fails with fleet.ErrPermanent naming it)
// and one already gone counts as deleted; then DeleteSnapshot each
// (InvalidSnapshot.NotFound counts as deleted)
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSnapshot.html).
// A snapshot that cannot be deleted (InvalidSnapshot.InUse: an AMI uses
// it) is named in the error; a denied action or throttling that outlasts
// the SDK's retries ends the call with what was deleted so far.
func (p *Provider) DeleteSnapshots(ctx context.Context, snaps []fleet.DiskSnapshot) ([]string, error) {
	if len(snaps) > fleet.MaxBatch {
		return nil, fmt.Errorf("aws: delete of %d snapshots: %w", len(snaps), fleet.ErrTooManyInstances)
	}
	targets := p.places(fleet.Selector{})
	byPlace := map[place][]string{}
	var order []place
	for _, s := range snaps {
		pl := place{s.Account, s.Region}
		if !slices.Contains(targets, pl) {
			return nil, fmt.Errorf("aws: snapshot %s: %s is not a target account and region: %w", s.ID, pl, fleet.ErrPermanent)
		}
		if byPlace[pl] == nil {
			order = append(order, pl)
		}
		byPlace[pl] = append(byPlace[pl], s.ID)
	}
	var deleted []string
	var failures []error
	for _, pl := range order {
		c := p.clientsFor(pl)
		if err := c.credentials(ctx); err != nil {
			return deleted, err
		}
		g := group{clientSet: c, ids: byPlace[pl]}
		states, err := p.snapshotStates(ctx, g, g.ids)
		if err != nil {
			return deleted, err
		}
		var refused []string
		for _, id := range g.ids {
			s, ok := states[id]
			switch {
			case !ok:
				deleted = append(deleted, id)
				continue
			case tagMap(s.Tags)[fleet.SnapshotTagKey] == "":
				refused = append(refused, id)
				continue
			}
			_, err := c.ec2.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: aws.String(id)})
			switch {
			case err == nil, apiCode(err) == "InvalidSnapshot.NotFound":
				deleted = append(deleted, id)
			default:
				err = wrapErr("DeleteSnapshot "+id+" in "+pl.String(), err)
				if ctx.Err() != nil || errors.Is(err, fleet.ErrPermanent) || errors.Is(err, fleet.ErrThrottled) {
					return deleted, err
				}
				failures = append(failures, err)
			}
		}
		if len(refused) > 0 {
			failures = append(failures, fmt.Errorf("aws: not deleted in %s, not taken by fleetpatch (no %s tag): %s: %w",
				pl, fleet.SnapshotTagKey, strings.Join(refused, ", "), fleet.ErrPermanent))
		}
	}
	return deleted, errors.Join(failures...)
}

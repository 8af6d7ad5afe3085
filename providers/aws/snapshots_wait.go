package aws

import (
	"context"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// waitSnapshots polls DescribeSnapshots (filter snapshot-id, so that a
// snapshot deleted meanwhile does not fail the call) every PollInterval
// until every snapshot of the results is completed or in state error,
// calling pc as instances finish. A snapshot in state error, or gone,
// fails its instance. When ctx ends, the unfinished instances carry an
// error and ctx's error is returned with the results.
func (p *Provider) waitSnapshots(ctx context.Context, g group, res map[string]fleet.InstanceSnapshots, pc *progressCounter) (map[string]fleet.InstanceSnapshots, error) {
	waiting := map[string]bool{}
	for id, r := range res {
		if r.Error == "" {
			waiting[id] = true
		}
	}
	for {
		pending := map[string]string{} // snapshot ID -> instance
		for id := range waiting {
			r := res[id]
			done := true
			for _, s := range r.Snapshots {
				if s.State != string(types.SnapshotStateCompleted) {
					pending[s.ID], done = id, false
				}
			}
			if done {
				delete(waiting, id)
				pc.add(1)
			}
		}
		if len(pending) == 0 {
			return res, nil
		}
		if err := sleep(ctx, p.cfg.PollInterval); err != nil {
			return stopWaiting(res, waiting, err)
		}
		states, err := p.snapshotStates(ctx, g, slices.Sorted(maps.Keys(pending)))
		if err != nil {
			if ctx.Err() != nil {
				return stopWaiting(res, waiting, ctx.Err())
			}
			return res, err
		}
		for snapID, inst := range pending {
			r := res[inst]
			for k := range r.Snapshots {
				if r.Snapshots[k].ID != snapID {
					continue
				}
				s, ok := states[snapID]
				switch {
				case !ok:
					r.Error = "snapshot " + snapID + " of " + r.Snapshots[k].Disk + " was deleted before it completed"
				case s.State == types.SnapshotStateError:
					r.Error = "snapshot " + snapID + " of " + r.Snapshots[k].Disk + " failed: " + orUnknown(aws.ToString(s.StateMessage))
				}
				r.Snapshots[k].State = string(s.State)
			}
			res[inst] = r
			if r.Error != "" && waiting[inst] {
				delete(waiting, inst)
				pc.add(1)
			}
		}
	}
}

// snapshotStates reads the states of snapshots by ID.
func (p *Provider) snapshotStates(ctx context.Context, g group, ids []string) (map[string]types.Snapshot, error) {
	out := map[string]types.Snapshot{}
	for chunk := range slices.Chunk(ids, 200) {
		pages := ec2.NewDescribeSnapshotsPaginator(g.ec2, &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"}, MaxResults: aws.Int32(1000),
			Filters: []types.Filter{{Name: aws.String("snapshot-id"), Values: chunk}}})
		for pages.HasMorePages() {
			page, err := pages.NextPage(ctx)
			if err != nil {
				return nil, wrapErr("DescribeSnapshots in "+g.String(), err)
			}
			for _, s := range page.Snapshots {
				out[aws.ToString(s.SnapshotId)] = s
			}
		}
	}
	return out, nil
}

// stopWaiting reports the instances still waiting as stopped by err.
func stopWaiting(res map[string]fleet.InstanceSnapshots, waiting map[string]bool, err error) (map[string]fleet.InstanceSnapshots, error) {
	for id := range waiting {
		r := res[id]
		r.Error = "stopped waiting for the snapshots to complete (" + err.Error() + ")"
		res[id] = r
	}
	return res, err
}

package aws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Restorer = (*Provider)(nil)

// dataVolumeNotAutomated is the detail of a data volume's snapshot: the
// provider restores root volumes only.
const dataVolumeNotAutomated = "not automated on AWS: data volumes are restored by hand, run the printed steps " +
	"(starter restore without --apply: a volume from the snapshot, the old one detached, the new one attached at the same device)"

// Restore rolls an EC2 instance's root volume back to its snapshot with a
// root-volume replacement task (CreateReplaceRootVolumeTask with
// SnapshotId: the instance restarts on a volume restored from the
// snapshot, its data volumes and network stay; no stop is needed) and
// polls DescribeReplaceRootVolumeTasks every PollInterval until the task
// has succeeded or failed
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateReplaceRootVolumeTask.html,
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeReplaceRootVolumeTasks.html,
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/replace-root.html).
// The task's ClientToken is derived from fleet.CallKey and the snapshot,
// so a retry of the call gets the task the first attempt started instead
// of replacing the volume twice.
//
// Data volumes are not restored: their disks are RestoreNotAutomated,
// and the operator runs the printed steps. A hybrid node, or an instance
// in no target account and region, fails the call with
// fleet.ErrPermanent, as do denied actions.
func (p *Provider) Restore(ctx context.Context, req fleet.RestoreRequest) (fleet.RestoreResult, error) {
	out := fleet.RestoreResult{InstanceID: req.InstanceID, Disks: make([]fleet.DiskRestore, len(req.Snapshots))}
	if strings.HasPrefix(req.InstanceID, "mi-") {
		return out, fmt.Errorf("aws: %s is an SSM hybrid node: it has no EBS volumes to restore: %w", req.InstanceID, fleet.ErrPermanent)
	}
	groups, missing, err := p.locate(ctx, []string{req.InstanceID})
	if err != nil {
		return out, err
	}
	if why, ok := missing[req.InstanceID]; ok || len(groups) == 0 {
		return out, fmt.Errorf("aws: restore of %s: %s: %w", req.InstanceID, why, fleet.ErrPermanent)
	}
	g := groups[0]
	for i, s := range req.Snapshots {
		d := &out.Disks[i]
		d.SnapshotID, d.Disk, d.Device = s.ID, s.Disk, s.Device
		if !isRootDevice(s.Device) {
			d.State, d.Detail = fleet.RestoreNotAutomated, dataVolumeNotAutomated
			continue
		}
		if err := p.replaceRoot(ctx, g, req.InstanceID, s, d); err != nil {
			return out, err
		}
	}
	return out, nil
}

// replaceRoot starts (or, with the same client token, finds) the
// replacement task of the root volume from the snapshot and waits for it,
// filling d. The error is set only when it fails the call (denied,
// throttled, ctx); a task that fails is d's error.
func (p *Provider) replaceRoot(ctx context.Context, g group, id string, s fleet.DiskSnapshot, d *fleet.DiskRestore) error {
	in := &ec2.CreateReplaceRootVolumeTaskInput{InstanceId: aws.String(id), SnapshotId: aws.String(s.ID)}
	if key := callKey(ctx); key != "" {
		in.ClientToken = aws.String(restoreToken(key, s.ID))
	}
	task, err := g.ec2.CreateReplaceRootVolumeTask(ctx, in)
	if err != nil {
		err = wrapErr("CreateReplaceRootVolumeTask of "+id+" in "+g.String(), err)
		if ctx.Err() != nil || errors.Is(err, fleet.ErrPermanent) || errors.Is(err, fleet.ErrThrottled) {
			return err
		}
		d.State, d.Error = fleet.RestoreFailed, err.Error()
		return nil
	}
	d.TaskID = aws.ToString(task.ReplaceRootVolumeTask.ReplaceRootVolumeTaskId)
	state := task.ReplaceRootVolumeTask.TaskState
	for {
		switch state {
		case types.ReplaceRootVolumeTaskStateSucceeded:
			d.State, d.Detail = fleet.RestoreDone, "root volume replaced from the snapshot by task "+d.TaskID+"; the instance restarted"
			return nil
		case types.ReplaceRootVolumeTaskStateFailed, types.ReplaceRootVolumeTaskStateFailedDetached:
			d.State, d.Error = fleet.RestoreFailed, "root volume replacement task "+d.TaskID+" ended "+string(state)
			return nil
		}
		if err := sleep(ctx, p.cfg.PollInterval); err != nil {
			d.State, d.Error = fleet.RestoreFailed, "stopped waiting for task "+d.TaskID+" ("+string(state)+"): "+err.Error()
			return err
		}
		got, err := g.ec2.DescribeReplaceRootVolumeTasks(ctx, &ec2.DescribeReplaceRootVolumeTasksInput{ReplaceRootVolumeTaskIds: []string{d.TaskID}})
		if err != nil {
			err = wrapErr("DescribeReplaceRootVolumeTasks in "+g.String(), err)
			d.State, d.Error = fleet.RestoreFailed, err.Error()
			return err
		}
		if len(got.ReplaceRootVolumeTasks) == 0 {
			d.State, d.Error = fleet.RestoreFailed, "root volume replacement task "+d.TaskID+" is gone"
			return nil
		}
		state = got.ReplaceRootVolumeTasks[0].TaskState
	}
}

// restoreToken is the ClientToken of a call's replacement task of one
// snapshot: at most 64 ASCII characters, as EC2 allows.
func restoreToken(key, snapshotID string) string {
	sum := sha256.Sum256([]byte(key + "\x00" + snapshotID))
	return hex.EncodeToString(sum[:])
}

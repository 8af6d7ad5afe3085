package activities

import (
	"context"
	"errors"
	"fmt"
	"io/fs"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/report"
)

// RestoreInput asks to roll one instance back to the disk snapshots a
// cycle (or its RetryFailed run Retry) took before installing. The
// snapshots are read from that run's report, never from the caller.
type RestoreInput struct {
	Group      string `json:"group"`
	Cycle      string `json:"cycle"`
	Retry      int    `json:"retry,omitempty"`
	InstanceID string `json:"instanceId"`
}

// RestoreResult is what the restore did, per disk.
type RestoreResult struct {
	Group string      `json:"group"`
	Cycle string      `json:"cycle"`
	Retry int         `json:"retry,omitempty"`
	Cloud fleet.Cloud `json:"cloud"`
	fleet.RestoreResult
}

// ErrRestoreNotAvailable is the error type of a restore the instance's
// provider cannot perform (fleet.ErrRestoreNotAvailable).
const ErrRestoreNotAvailable = "RestoreNotAvailable"

// RestoreInstance reads the run's report (a.ReportDir), finds the
// instance's snapshots there, checks that none has expired (the
// retention clean-up deletes expired ones), and restores them through the
// provider (fleet.Restorer). The provider call is keyed by the workflow
// run (fleet.WithCallKey), so a retry of this activity finds the task an
// earlier attempt started instead of restoring twice. Bad input, a
// missing report or snapshot, and a provider that cannot restore fail at
// once, without retries.
func (a *Activities) RestoreInstance(ctx context.Context, in RestoreInput) (RestoreResult, error) {
	if err := validRestore(in); err != nil {
		return RestoreResult{}, err
	}
	rep, err := report.LoadReport(a.ReportDir, in.Group, in.Cycle, in.Retry)
	if errors.Is(err, fs.ErrNotExist) {
		return RestoreResult{}, badInput("no report for group %s, cycle %s, retry %d", in.Group, in.Cycle, in.Retry)
	}
	if err != nil {
		return RestoreResult{}, err
	}
	req, inst, err := a.restoreRequest(rep, in)
	if err != nil {
		return RestoreResult{}, err
	}
	res := RestoreResult{Group: in.Group, Cycle: in.Cycle, Retry: in.Retry, Cloud: inst.Cloud}
	r, ok := a.Provider.(fleet.Restorer)
	if !ok {
		return res, notAvailable(inst.Cloud)
	}
	_, stop := heartbeater(ctx, "restore")
	defer stop()
	out, err := r.Restore(fleet.WithCallKey(ctx, restoreKey(ctx, in)), req)
	switch {
	case errors.Is(err, fleet.ErrRestoreNotAvailable):
		return res, notAvailable(inst.Cloud)
	case err != nil:
		return res, providerError("restore", err)
	}
	res.RestoreResult = out
	return res, nil
}

// validRestore checks the input's fields.
func validRestore(in RestoreInput) error {
	if err := ValidateGroup(in.Group); err != nil {
		return badInput("%v", err)
	}
	if err := ValidateCycle(in.Cycle); err != nil {
		return badInput("%v", err)
	}
	if in.Retry < 0 || in.Retry > MaxRetry {
		return badInput("retry %d is not between 0 and %d", in.Retry, MaxRetry)
	}
	if in.InstanceID == "" {
		return badInput("no instance")
	}
	return nil
}

// restoreRequest finds the instance's snapshots in the report and checks
// that they have not expired.
func (a *Activities) restoreRequest(rep *report.Report, in RestoreInput) (fleet.RestoreRequest, *report.Instance, error) {
	for _, x := range rep.Instances {
		if x.ID != in.InstanceID {
			continue
		}
		if len(x.Snapshots) == 0 {
			return fleet.RestoreRequest{}, nil, badInput("the cycle took no snapshots of %s (the group has no snapshot setting, or the instance was not installed)", x.ID)
		}
		req := fleet.RestoreRequest{InstanceID: x.ID}
		now := a.now()
		for _, s := range x.Snapshots {
			if !s.Expires.IsZero() && !now.Before(s.Expires) {
				return fleet.RestoreRequest{}, nil, badInput("snapshot %s of %s expired at %s: the retention clean-up deletes it", s.ID, s.Disk, s.Expires.UTC().Format("2006-01-02 15:04 MST"))
			}
			req.Snapshots = append(req.Snapshots, fleet.DiskSnapshot{ID: s.ID, InstanceID: x.ID, Cloud: x.Cloud,
				Account: x.Account, Region: x.Region, Disk: s.Disk, Device: s.Device, Expires: s.Expires})
		}
		return req, x, nil
	}
	return fleet.RestoreRequest{}, nil, badInput("%s is not in the report of group %s, cycle %s", in.InstanceID, in.Group, in.Cycle)
}

// restoreKey names the restore call: the same in every attempt of the
// activity, and another for another workflow run.
func restoreKey(ctx context.Context, in RestoreInput) string {
	key := fmt.Sprintf("restore/%s/%s/%d/%s", in.Group, in.Cycle, in.Retry, in.InstanceID)
	if activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		key += "/" + info.WorkflowExecution.RunID
	}
	return key
}

// notAvailable is the non-retryable error of a cloud whose provider
// cannot restore.
func notAvailable(c fleet.Cloud) error {
	name := map[fleet.Cloud]string{fleet.CloudAWS: "AWS", fleet.CloudAzure: "Azure"}[c]
	if name == "" {
		name = string(c)
	}
	return temporal.NewNonRetryableApplicationError("restore --apply is not available for "+name+" instances: run the printed steps", ErrRestoreNotAvailable, nil)
}

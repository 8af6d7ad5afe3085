package activities

import (
	"context"
	"errors"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// ScanBatchInput names one batch of targets to scan.
type ScanBatchInput struct {
	Run   Run `json:"run"`
	Batch int `json:"batch"`
	// FailedWith is set when the workflow gave up scanning the batch: its
	// reachable instances are then recorded as scan failures with it.
	FailedWith string `json:"failedWith,omitempty"`
}

// ScanBatchResult counts one scanned batch; the scan itself is stored.
type ScanBatchResult struct {
	Scanned     int `json:"scanned"`
	Failed      int `json:"failed"`
	Unreachable int `json:"unreachable"`
}

// ScanBatch scans the reachable instances of one target batch and stores
// the result. A retry after the result was stored returns it unchanged.
func (a *Activities) ScanBatch(ctx context.Context, in ScanBatchInput) (ScanBatchResult, error) {
	if err := validRun(in.Run); err != nil {
		return ScanBatchResult{}, err
	}
	insts, err := a.targets(ctx, in.Run, in.Batch)
	if err != nil {
		return ScanBatchResult{}, err
	}
	var ids []string
	for _, i := range insts {
		if i.Reachable() {
			ids = append(ids, i.ID)
		}
	}
	var stored fleet.ScanResult
	found, err := getJSON(ctx, a.Store, in.Run.scanKey(in.Batch), &stored)
	switch {
	case errors.Is(err, ErrDamaged):
		// A scan only reads the fleet: scan again and store it anew.
		warnRebuild(ctx, err)
	case err != nil:
		return ScanBatchResult{}, err
	case found:
		out := countScan(stored)
		out.Unreachable = len(insts) - len(ids)
		return out, nil
	}
	res := fleet.ScanResult{}
	if in.FailedWith != "" {
		for _, id := range ids {
			res.Instances = append(res.Instances, fleet.InstanceScan{InstanceID: id, Error: "scan did not complete: " + in.FailedWith})
		}
	} else if len(ids) > 0 {
		ctx = fleet.WithCallKey(ctx, in.Run.scanKey(in.Batch))
		if ctx, err = a.withBaselines(ctx, in.Run); err != nil {
			return ScanBatchResult{}, err
		}
		progress, stop := heartbeater(ctx, "scan")
		res, err = a.Provider.Scan(ctx, ids, progress)
		stop()
		if err != nil {
			return ScanBatchResult{}, providerError("scan", err)
		}
	}
	if err := putJSON(ctx, a.Store, in.Run.scanKey(in.Batch), res); err != nil {
		return ScanBatchResult{}, err
	}
	out := countScan(res)
	out.Unreachable = len(insts) - len(ids)
	return out, nil
}

func countScan(r fleet.ScanResult) ScanBatchResult {
	var c ScanBatchResult
	for _, s := range r.Instances {
		if s.Error != "" {
			c.Failed++
		} else {
			c.Scanned++
		}
	}
	return c
}

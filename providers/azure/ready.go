package azure

import (
	"context"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// WaitReady waits until every machine is running with its agent Ready (a
// VM's instanceView, an Arc machine's status Connected), polling every
// PollInterval, until ctx ends or Config.ReadyTimeout passes; machines not
// back are reported with Ready false and the last reason. An answer no
// retry can fix (a denied read, see permanentResponse) fails the call.
func (p *Provider) WaitReady(ctx context.Context, instanceIDs []string, progress fleet.Progress) ([]fleet.RebootOutcome, error) {
	if err := checkBatch("WaitReady", len(instanceIDs)); err != nil {
		return nil, err
	}
	out := make([]fleet.RebootOutcome, len(instanceIDs))
	errs := make([]error, len(instanceIDs))
	wctx, cancel := context.WithTimeout(ctx, p.cfg.ReadyTimeout)
	defer cancel()
	p.forEach(wctx, instanceIDs, progress, func(ctx context.Context, i int, m machine, beat func()) {
		out[i] = fleet.RebootOutcome{InstanceID: m.ID}
		for {
			st, err := p.state(ctx, m)
			switch {
			case err == nil && st.reason == "":
				out[i].Ready, out[i].Error = true, ""
				return
			case err == nil:
				out[i].Error = st.reason
			case permanentResponse(err, false) != nil:
				errs[i], out[i].Error = err, machineError("instanceView", err)
				return
			case ctx.Err() == nil:
				out[i].Error = machineError("instanceView", err)
			}
			beat()
			t := time.NewTimer(p.cfg.PollInterval)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				out[i].Error = "not back after " + p.cfg.ReadyTimeout.String() + ": " + firstNonEmpty(out[i].Error, ctx.Err().Error())
				return
			}
		}
	}, func(i int, err error) { out[i] = fleet.RebootOutcome{InstanceID: instanceIDs[i], Error: err.Error()} })
	if err := ctx.Err(); err != nil {
		return out, err
	}
	for _, err := range errs {
		if err != nil {
			return out, wrapCallError(err)
		}
	}
	return out, nil
}

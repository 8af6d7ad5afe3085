package activities

import (
	"context"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// WaitReadyInput names the rebooted instances of one batch.
type WaitReadyInput struct {
	BatchInput
	Instances []string `json:"instances"`
	// Timeout bounds the wait; instances not back by then are reported
	// as not ready.
	Timeout time.Duration `json:"timeout"`
}

// WaitReadyBatch waits until the batch's rebooted instances are back, and
// stores who came back. Heartbeats carry the progress; the activity's
// start-to-close timeout bounds the wait.
func (a *Activities) WaitReadyBatch(ctx context.Context, in WaitReadyInput) (int, error) {
	if err := validRun(in.Run); err != nil {
		return 0, err
	}
	key := in.Run.waveKey(in.Wave, in.Batch, "reboot")
	var out []fleet.RebootOutcome
	if found, err := getJSON(ctx, a.Store, key, &out); err != nil || found {
		return countNotReady(out), err
	}
	wctx, cancel := context.WithTimeout(ctx, in.Timeout)
	defer cancel()
	progress, stop := heartbeater(ctx, "wait-ready")
	out, err := a.Provider.WaitReady(wctx, in.Instances, progress)
	stop()
	if err != nil {
		return 0, providerError("wait ready", err)
	}
	if err := putJSON(ctx, a.Store, key, out); err != nil {
		return 0, err
	}
	return countNotReady(out), nil
}

func countNotReady(out []fleet.RebootOutcome) int {
	n := 0
	for _, o := range out {
		if !o.Ready {
			n++
		}
	}
	return n
}

package activities

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

// Activities are the cycle's activities. Register a pointer to it with the
// worker; the workflows refer to its methods.
type Activities struct {
	// Provider drives the fleet (the simulated fleet, AWS or Azure).
	Provider fleet.Provider
	// LoadPolicy reads the policy as it is now; each cycle snapshots it once.
	LoadPolicy func() (*policy.Policy, error)
	// Store keeps the cycles' artifacts.
	Store Store
	// ReportDir is the directory that reports are written to.
	ReportDir string
	// Now is the clock of the checks before an install (approval expiry);
	// nil means time.Now. Workflow tests set the test environment's clock.
	Now func() time.Time

	manifests manifestCache
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// ErrBadInput is the error type of non-retryable input errors.
const ErrBadInput = "BadInput"

// badInput returns a non-retryable error: retrying cannot fix bad input.
func badInput(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrBadInput, nil)
}

// heartbeater returns a fleet.Progress that records the progress, and
// heartbeats the latest progress every third of the activity's heartbeat
// timeout until stop is called, whether or not the provider reports
// progress meanwhile: a provider call may spend a while paging or backing
// off, and only a dead worker should miss its heartbeats. Outside an
// activity it does nothing.
func heartbeater(ctx context.Context, step string) (progress fleet.Progress, stop func()) {
	if !activity.IsActivity(ctx) {
		return func(int, int) {}, func() {}
	}
	var mu sync.Mutex
	last := Progress{Step: step}
	beat := func() {
		mu.Lock()
		p := last
		mu.Unlock()
		activity.RecordHeartbeat(ctx, p)
	}
	every := max(activity.GetInfo(ctx).HeartbeatTimeout/3, time.Second)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				beat()
			}
		}
	}()
	var once sync.Once
	return func(d, total int) {
		mu.Lock()
		last.Done, last.Total = d, total
		mu.Unlock()
		beat()
	}, func() { once.Do(func() { close(done) }) }
}

// Progress is the heartbeat detail of a batch activity.
type Progress struct {
	Step  string `json:"step"`
	Done  int    `json:"done"`
	Total int    `json:"total"`
}

// Error types of the provider errors that are not retried.
const (
	// ErrPermanent is the error type of a provider error no retry can fix
	// (a denied permission, a missing document, role or resource, an
	// invalid parameter): fleet.ErrPermanent.
	ErrPermanent = "Permanent"
	// ErrWindowClosed is the error type of a provider that refused to
	// start an install after the window's cutoff: fleet.ErrWindowClosed.
	ErrWindowClosed = "WindowClosed"
)

// providerError names the call and classifies a provider's error: a
// permanent one and a closed window are not retried (the activity fails
// at once with ErrPermanent or ErrWindowClosed), throttling is retried as
// "Throttled", anything else is retried.
func providerError(call string, err error) error {
	switch {
	case errors.Is(err, fleet.ErrPermanent):
		return temporal.NewNonRetryableApplicationError(call+": "+err.Error(), ErrPermanent, err)
	case errors.Is(err, fleet.ErrWindowClosed):
		return temporal.NewNonRetryableApplicationError(call+": "+err.Error(), ErrWindowClosed, err)
	case errors.Is(err, fleet.ErrThrottled):
		return temporal.NewApplicationErrorWithCause(call+": throttled", "Throttled", err)
	}
	return fmt.Errorf("%s: %w", call, err)
}

package activities

import (
	"context"
	"time"

	"github.com/fleetpatch/fleetpatch/policy"
)

// SlotInput asks when installs may run.
type SlotInput struct {
	Window policy.Window `json:"window"`
	// After is the earliest start (the workflow's clock).
	After time.Time `json:"after"`
	// Now opens an ad-hoc window of the window's duration at After.
	Now bool `json:"now,omitempty"`
}

// Slot is one opening of an install window.
type Slot struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// LastStart is the last moment a new install may start (End - cutoff).
	LastStart time.Time `json:"lastStart"`
}

// InstallSlot returns the window occurrence that contains After, or else
// the next one. It runs as an activity because time zones are read from
// the system's zone database, which workflow code must not touch.
func (a *Activities) InstallSlot(_ context.Context, in SlotInput) (Slot, error) {
	w := in.Window
	if in.Now {
		end := in.After.Add(w.Duration.D())
		return Slot{Start: in.After, End: end, LastStart: w.LastInstallStart(in.After)}, nil
	}
	if start, end, ok := w.OccurrenceAt(in.After); ok {
		return Slot{Start: start, End: end, LastStart: w.LastInstallStart(start)}, nil
	}
	start := w.NextOpen(in.After)
	if start.IsZero() {
		return Slot{}, badInput("window %s never opens after %s", w.Name, in.After.Format(time.RFC3339))
	}
	return Slot{Start: start, End: start.Add(w.Duration.D()), LastStart: w.LastInstallStart(start)}, nil
}

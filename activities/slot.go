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
	// Freezes are the group's change-freeze periods: no install starts or
	// runs in them.
	Freezes []policy.FreezePeriod `json:"freezes,omitempty"`
}

// Slot is one opening of an install window.
type Slot struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// LastStart is the last moment a new install may start (End - cutoff).
	LastStart time.Time `json:"lastStart"`
	// Freeze, when set, says how a change freeze moved or shortened the
	// slot (or, with the slot past the cycle's week, kept it closed).
	Freeze string `json:"freeze,omitempty"`
}

// maxSlotSearch bounds how many window occurrences InstallSlot tries
// while freezes cover them, and slotSearchSpan how far ahead it looks.
const (
	maxSlotSearch  = 10_000
	slotSearchSpan = 15 * 24 * time.Hour
)

// InstallSlot returns the window occurrence that contains After, or else
// the next one, with the group's change freezes taken out: a slot that
// opens in a freeze opens when the freeze ends, one that runs into a
// freeze ends when it begins (its last start moves back by the window's
// cutoff), and an occurrence with no time left is skipped. It runs as an
// activity because time zones are read from the system's zone database,
// which workflow code must not touch.
func (a *Activities) InstallSlot(_ context.Context, in SlotInput) (Slot, error) {
	w := in.Window
	var note string
	t := in.After
	for range maxSlotSearch {
		if t.Sub(in.After) > slotSearchSpan {
			// Frozen for longer than a cycle's week: the workflow ends the
			// run window-closed, saying which freeze.
			return Slot{Start: t, End: t.Add(w.Duration.D()), LastStart: w.LastInstallStart(t), Freeze: note}, nil
		}
		start, end, ok := occurrence(in, t)
		if !ok {
			return Slot{}, badInput("window %s never opens after %s", w.Name, t.Format(time.RFC3339))
		}
		// Freezes are checked from the later of the occurrence's start and
		// t: a slot already open is frozen from now on.
		open := start
		if t.After(open) {
			open = t
		}
		if p, frozen := policy.FrozenAt(in.Freezes, open); frozen {
			note = "change-freeze " + p.String()
			t = p.End
			continue
		}
		var cut *policy.FreezePeriod
		if p, ok := policy.NextFreeze(in.Freezes, open, end); ok {
			end, cut = p.Start, &p
		}
		last := end.Add(-w.Cutoff.D())
		// Without a freeze in the way the occurrence is the slot, even
		// when its cutoff has passed (the run then ends window-closed).
		if open.Before(last) || (note == "" && cut == nil) {
			if note != "" {
				start = open
			} else if cut != nil {
				note = "change-freeze " + cut.String() + " ends the window early"
			}
			return Slot{Start: start, End: end, LastStart: last, Freeze: note}, nil
		}
		// No time left in this occurrence: go on after the freeze that cut
		// it, or from the window's next occurrence.
		if cut != nil {
			note = "change-freeze " + cut.String()
			t = cut.End
			continue
		}
		t = w.NextOpen(start.Add(time.Nanosecond))
		if t.IsZero() {
			return Slot{}, badInput("window %s never opens after %s", w.Name, start.Format(time.RFC3339))
		}
	}
	return Slot{}, badInput("window %s: no install slot outside the change freezes after %s", w.Name, in.After.Format(time.RFC3339))
}

// occurrence is the window's occurrence containing t, or the next one.
func occurrence(in SlotInput, t time.Time) (start, end time.Time, ok bool) {
	w := in.Window
	if in.Now {
		return t, t.Add(w.Duration.D()), true
	}
	if s, e, ok := w.OccurrenceAt(t); ok {
		return s, e, true
	}
	s := w.NextOpen(t)
	if s.IsZero() {
		return time.Time{}, time.Time{}, false
	}
	return s, s.Add(w.Duration.D()), true
}

package activities

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/policy"
)

// Change freezes move, shorten or skip install slots, and say so.
func TestInstallSlotFreezes(t *testing.T) {
	w := policy.Window{Name: "sunday", Cron: "0 3 * * SUN", Duration: policy.Duration(4 * time.Hour), Cutoff: policy.Duration(30 * time.Minute)}
	sunday := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC) // a Sunday
	at := func(days, h int) time.Time { return sunday.AddDate(0, 0, days).Add(time.Duration(h) * time.Hour) }
	freeze := func(from, to time.Time) []policy.FreezePeriod {
		return []policy.FreezePeriod{{Freeze: "f", Start: from, End: to}}
	}
	a := &Activities{}
	cases := []struct {
		name             string
		in               SlotInput
		start, end, last time.Time
		note             string
	}{
		{"no freeze", SlotInput{Window: w, After: at(0, 1)}, at(0, 3), at(0, 7), at(0, 7).Add(-30 * time.Minute), ""},
		{"opens when the freeze ends", SlotInput{Window: w, After: at(0, 1), Freezes: freeze(at(0, 2), at(0, 5))},
			at(0, 5), at(0, 7), at(0, 7).Add(-30 * time.Minute), "change-freeze f 2026-12-06T02:00:00Z-2026-12-06T05:00:00Z"},
		{"ends when the freeze begins", SlotInput{Window: w, After: at(0, 1), Freezes: freeze(at(0, 5), at(0, 9))},
			at(0, 3), at(0, 5), at(0, 5).Add(-30 * time.Minute), "ends the window early"},
		{"a frozen occurrence is skipped", SlotInput{Window: w, After: at(0, 1), Freezes: freeze(at(0, 2), at(0, 8))},
			at(7, 3), at(7, 7), at(7, 7).Add(-30 * time.Minute), "change-freeze f"},
		{"a freeze leaving less than the cutoff skips it too", SlotInput{Window: w, After: at(0, 1), Freezes: freeze(at(0, 2), at(0, 6).Add(45*time.Minute))},
			at(7, 3), at(7, 7), at(7, 7).Add(-30 * time.Minute), "change-freeze f"},
		{"an open slot is frozen from now on", SlotInput{Window: w, After: at(0, 4), Freezes: freeze(at(0, 3).Add(30*time.Minute), at(0, 5))},
			at(0, 5), at(0, 7), at(0, 7).Add(-30 * time.Minute), "change-freeze f"},
		{"on demand waits for the freeze", SlotInput{Window: w, After: at(2, 12), Now: true, Freezes: freeze(at(2, 10), at(2, 14))},
			at(2, 14), at(2, 18), at(2, 18).Add(-30 * time.Minute), "change-freeze f"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := a.InstallSlot(t.Context(), c.in)
			require.NoError(t, err)
			require.Equal(t, c.start, s.Start, "start")
			require.Equal(t, c.end, s.End, "end")
			require.Equal(t, c.last, s.LastStart, "last start")
			if c.note == "" {
				require.Empty(t, s.Freeze)
			} else {
				require.Contains(t, s.Freeze, c.note)
			}
		})
	}

	long := freeze(at(0, 0), at(20, 0))
	s, err := a.InstallSlot(t.Context(), SlotInput{Window: w, After: at(0, 1), Freezes: long})
	require.NoError(t, err)
	require.False(t, s.Start.Before(at(7, 1)), "a freeze longer than the week leaves no slot in it: %s", s.Start)
	require.Contains(t, s.Freeze, "change-freeze f")
}

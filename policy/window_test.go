package policy

import (
	"testing"
	"time"
)

func TestWindowNextOpenAcrossDST(t *testing.T) {
	// Europe/Berlin leaves CET (UTC+1) for CEST (UTC+2) on 2026-03-29.
	w := Window{Name: "weekly-scan", Cron: "0 1 * * SUN", TimeZone: "Europe/Berlin", Duration: Duration(2 * time.Hour)}
	cases := []struct {
		after time.Time
		want  time.Time
	}{
		{time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)},    // 01:00 CET
		{time.Date(2026, 3, 29, 0, 0, 1, 0, time.UTC), time.Date(2026, 4, 4, 23, 0, 0, 0, time.UTC)},     // 01:00 CEST
		{time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC)},     // at the start: that start
		{time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC), time.Date(2026, 10, 24, 23, 0, 0, 0, time.UTC)}, // still CEST
		{time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)},    // back to CET
	}
	for _, c := range cases {
		got := w.NextOpen(c.after)
		if !got.Equal(c.want) {
			t.Errorf("NextOpen(%v) = %v, want %v", c.after, got.UTC(), c.want)
		}
		if l := got.In(w.Location()); l.Hour() != 1 || l.Minute() != 0 || l.Weekday() != time.Sunday {
			t.Errorf("NextOpen(%v) is %v local, want Sunday 01:00", c.after, l)
		}
	}
}

func TestWindowCalendarOccurrenceAndCutoff(t *testing.T) {
	w := Window{Calendar: &Calendar{Days: []string{"TUE", "wed", "THU"}, At: "10:00"}, TimeZone: "Europe/Berlin",
		Duration: Duration(6 * time.Hour), Cutoff: Duration(time.Hour)}
	if spec, err := w.Spec(); err != nil || spec != "0 10 * * TUE,WED,THU" {
		t.Fatalf("Spec = %q, %v", spec, err)
	}
	berlin := w.Location()
	// Wednesday 2026-11-18 12:30 local is inside the 10:00-16:00 occurrence.
	start, end, ok := w.OccurrenceAt(time.Date(2026, 11, 18, 12, 30, 0, 0, berlin))
	if !ok || !start.Equal(time.Date(2026, 11, 18, 10, 0, 0, 0, berlin)) || !end.Equal(time.Date(2026, 11, 18, 16, 0, 0, 0, berlin)) {
		t.Errorf("OccurrenceAt = %v %v %v", start, end, ok)
	}
	if got := w.LastInstallStart(start); !got.Equal(time.Date(2026, 11, 18, 15, 0, 0, 0, berlin)) {
		t.Errorf("LastInstallStart = %v, want 15:00", got)
	}
	// The end is exclusive; Friday has no occurrence.
	if _, _, ok := w.OccurrenceAt(time.Date(2026, 11, 18, 16, 0, 0, 0, berlin)); ok {
		t.Error("OccurrenceAt(end) = ok")
	}
	if _, _, ok := w.OccurrenceAt(time.Date(2026, 11, 20, 11, 0, 0, 0, berlin)); ok {
		t.Error("OccurrenceAt(Friday) = ok")
	}
	if got := w.NextOpen(time.Date(2026, 11, 19, 10, 0, 1, 0, berlin)); !got.Equal(time.Date(2026, 11, 24, 10, 0, 0, 0, berlin)) {
		t.Errorf("NextOpen after Thursday's start = %v, want next Tuesday 10:00", got)
	}
}

func TestWindowInvalidScheduleAndZone(t *testing.T) {
	if got := (Window{Cron: "nonsense", Duration: Duration(time.Hour)}).NextOpen(at); !got.IsZero() {
		t.Errorf("NextOpen of a bad cron = %v, want zero", got)
	}
	if loc := (Window{TimeZone: "Nowhere/Else"}).Location(); loc != time.UTC {
		t.Errorf("Location of an unknown zone = %v, want UTC", loc)
	}
}

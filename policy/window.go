package policy

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	// Embedded zone data: windows resolve the same way on every host,
	// including minimal containers without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
)

// weekdays are the calendar day names, in cron's spelling.
var weekdays = []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

var clockTime = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)

// maxWindowDuration is the longest window: one week.
const maxWindowDuration = 7 * day

// Location returns the window's time zone; UTC when TimeZone is empty or
// unknown (Validate reports unknown zones).
func (w Window) Location() *time.Location {
	if w.TimeZone == "" {
		return time.UTC
	}
	loc, err := time.LoadLocation(w.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// Spec returns the window's schedule as a five-field cron expression,
// translating a Calendar into one.
func (w Window) Spec() (string, error) {
	if w.Calendar == nil {
		return w.Cron, nil
	}
	m := clockTime.FindStringSubmatch(w.Calendar.At)
	if m == nil {
		return "", fmt.Errorf("at %q is not a time of day HH:MM", w.Calendar.At)
	}
	days := "*"
	if len(w.Calendar.Days) > 0 {
		names := make([]string, len(w.Calendar.Days))
		for i, d := range w.Calendar.Days {
			d = strings.ToUpper(d)
			if !contains(weekdays, d) {
				return "", fmt.Errorf("day %q is not one of MON TUE WED THU FRI SAT SUN", w.Calendar.Days[i])
			}
			names[i] = d
		}
		days = strings.Join(names, ",")
	}
	return fmt.Sprintf("%s %s * * %s", strings.TrimPrefix(m[2], "0"), strings.TrimPrefix(m[1], "0"), days), nil
}

// schedule parses the window's recurrence with the standard five-field
// cron parser (minute hour day-of-month month day-of-week).
func (w Window) schedule() (cron.Schedule, error) {
	spec, err := w.Spec()
	if err != nil {
		return nil, err
	}
	if n := len(strings.Fields(spec)); n != 5 {
		return nil, fmt.Errorf("%q has %d fields; want 5 (minute hour day-of-month month day-of-week)", spec, n)
	}
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("%q does not parse: %v", spec, err)
	}
	return s, nil
}

// NextOpen returns the start of the first occurrence at or after `after`,
// in the window's time zone (wall-clock times follow daylight saving). It
// returns the zero time when the window has no valid schedule. Jitter is
// not applied; callers add it.
func (w Window) NextOpen(after time.Time) time.Time {
	s, err := w.schedule()
	if err != nil {
		return time.Time{}
	}
	// cron's Next is strictly after its argument and rounds up to the
	// next whole second, so one nanosecond earlier yields "at or after".
	return s.Next(after.In(w.Location()).Add(-time.Nanosecond))
}

// OccurrenceAt returns the occurrence that contains t (start <= t < end),
// the latest one if occurrences overlap; ok is false when t is outside
// every occurrence.
func (w Window) OccurrenceAt(t time.Time) (start, end time.Time, ok bool) {
	d := w.Duration.D()
	if d <= 0 {
		return time.Time{}, time.Time{}, false
	}
	s := w.NextOpen(t.Add(-d).Add(time.Nanosecond))
	if s.IsZero() || s.After(t) {
		return time.Time{}, time.Time{}, false
	}
	// Bounded: a cron firing every minute meets at most 7*24*60 starts in
	// a week-long window.
	for i := 0; i < 7*24*60+1; i++ {
		next := w.NextOpen(s.Add(time.Nanosecond))
		if next.IsZero() || next.After(t) {
			break
		}
		s = next
	}
	return s, s.Add(d), true
}

// LastInstallStart is the latest time a new install may start in the
// occurrence that opened at start: the end of the window minus Cutoff.
func (w Window) LastInstallStart(start time.Time) time.Time {
	return start.Add(w.Duration.D() - w.Cutoff.D())
}

// ScheduleString describes the schedule for people: the cron expression,
// or the calendar days and time.
func (w Window) ScheduleString() string {
	if w.Calendar != nil {
		days := "every day"
		if len(w.Calendar.Days) > 0 {
			days = strings.Join(w.Calendar.Days, ",")
		}
		return days + " " + w.Calendar.At
	}
	return w.Cron
}

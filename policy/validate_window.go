package policy

import "time"

// neverCheckFrom is a fixed, leap-year start for finding schedules that
// never fire, so validation does not depend on the clock.
var neverCheckFrom = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// validateWindow checks one maintenance window: exactly one of cron and
// calendar, a schedule that parses, a known time zone, and a duration,
// cutoff and jitter that fit together.
func validateWindow(c *collector, path string, w *Window) {
	switch {
	case w.Cron != "" && w.Calendar != nil:
		c.add(path, "set cron or calendar, not both")
	case w.Cron == "" && w.Calendar == nil:
		c.add(path, "needs a cron or a calendar schedule")
	default:
		field := path + ".cron"
		if w.Calendar != nil {
			field = path + ".calendar"
		}
		if s, err := w.schedule(); err != nil {
			c.add(field, "%v", err)
		} else if s.Next(neverCheckFrom).IsZero() {
			// cron gives up after five years without a match (31 February).
			c.add(field, "never opens (no date matches)")
		}
	}
	if w.TimeZone != "" {
		if _, err := time.LoadLocation(w.TimeZone); err != nil {
			c.add(path+".timeZone", "%q is not an IANA time zone (e.g. Europe/Berlin)", w.TimeZone)
		}
	}
	d := w.Duration.D()
	switch {
	case d <= 0:
		c.add(path+".duration", "must be longer than 0")
	case d > maxWindowDuration:
		c.add(path+".duration", "%s is longer than the maximum of 7d", w.Duration)
	}
	if d > 0 && w.Cutoff.D() >= d {
		c.add(path+".cutoff", "%s must be shorter than the duration %s", w.Cutoff, w.Duration)
	}
	if d > 0 && w.Jitter.D() >= d {
		c.add(path+".jitter", "%s must be shorter than the duration %s", w.Jitter, w.Duration)
	}
}

package policy

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	ical "github.com/emersion/go-ical"
)

// Freeze is a change-freeze calendar: periods in which no install starts
// or runs, like an AWS Systems Manager Change Calendar of type
// DEFAULT_OPEN whose events close it. Its periods come from Ranges and
// from the events (with their recurrences) of an iCalendar file. Groups
// name the freezes they honour.
type Freeze struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Ranges are closed periods. Start and End are RFC 3339 times, or
	// dates (YYYY-MM-DD) meaning whole days in TimeZone: a start date
	// from its midnight, an end date to the end of that day.
	Ranges []FreezeRange `json:"ranges,omitempty"`
	// ICS names an iCalendar file (relative to the policy file); each
	// VEVENT, and each recurrence of it, closes the calendar from its
	// DTSTART to its DTEND.
	ICS string `json:"ics,omitempty"`
	// TimeZone (IANA) reads dates and floating times; empty means UTC.
	TimeZone string `json:"timeZone,omitempty"`

	// periods are the resolved periods, sorted, within the horizon.
	periods []FreezePeriod
}

// FreezeRange is one closed period as written in the policy.
type FreezeRange struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// FreezePeriod is one resolved period of a freeze: installs neither start
// nor run from Start until End.
type FreezePeriod struct {
	Freeze string    `json:"freeze"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	// Summary is the ICS event's SUMMARY, if any.
	Summary string `json:"summary,omitempty"`
}

// String names the period, e.g. "year-end 2026-12-20T00:00:00Z-2027-01-04T00:00:00Z".
func (p FreezePeriod) String() string {
	s := p.Freeze
	if p.Summary != "" {
		s += " (" + p.Summary + ")"
	}
	return s + " " + p.Start.UTC().Format(time.RFC3339) + "-" + p.End.UTC().Format(time.RFC3339)
}

// freezeHorizon bounds how far ahead recurring ICS events are expanded,
// and maxFreezePeriods how many periods one freeze may hold.
const (
	freezeHorizon    = 400 * day
	maxFreezePeriods = 1000
)

// Periods returns the freeze's resolved periods (Load resolves them).
func (f *Freeze) Periods() []FreezePeriod { return slices.Clone(f.periods) }

// FreezePeriods returns the periods of the named freezes, merged and
// sorted by start.
func (p *Policy) FreezePeriods(names []string) []FreezePeriod {
	var out []FreezePeriod
	for _, n := range names {
		if f, ok := p.Freezes[n]; ok {
			out = append(out, f.periods...)
		}
	}
	sortPeriods(out)
	return out
}

func sortPeriods(ps []FreezePeriod) {
	slices.SortStableFunc(ps, func(a, b FreezePeriod) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return a.End.Compare(b.End)
	})
}

// FrozenAt returns the period that contains t (Start <= t < End), if any.
func FrozenAt(periods []FreezePeriod, t time.Time) (FreezePeriod, bool) {
	for _, p := range periods {
		if !t.Before(p.Start) && t.Before(p.End) {
			return p, true
		}
	}
	return FreezePeriod{}, false
}

// NextFreeze returns the first period that starts after from and before
// until, if any.
func NextFreeze(periods []FreezePeriod, from, until time.Time) (FreezePeriod, bool) {
	for _, p := range periods {
		if p.Start.After(from) && p.Start.Before(until) {
			return p, true
		}
	}
	return FreezePeriod{}, false
}

// resolveFreezes turns every freeze's ranges and ICS events into periods,
// reporting problems at the file and line of the field (or of the ICS
// file). now is the load time: recurring events are expanded from a week
// before it to freezeHorizon after it.
func (l *loader) resolveFreezes(now time.Time) {
	for _, name := range sortedKeys(l.p.Freezes) {
		f := l.p.Freezes[name]
		path := itemPath("freezes", name)
		f.periods = nil
		loc := time.UTC
		if f.TimeZone != "" {
			z, err := time.LoadLocation(f.TimeZone)
			if err != nil {
				l.c.add(path+".timeZone", "%q is not an IANA time zone (e.g. Europe/Berlin)", f.TimeZone)
				continue
			}
			loc = z
		}
		if len(f.Ranges) == 0 && f.ICS == "" {
			l.c.add(path, "needs ranges or an ics file")
		}
		for i, r := range f.Ranges {
			rp := fmt.Sprintf("%s.ranges[%d]", path, i)
			start, err := freezeTime(r.Start, loc, false)
			if err != nil {
				l.c.add(rp+".start", "%v", err)
				continue
			}
			end, err := freezeTime(r.End, loc, true)
			if err != nil {
				l.c.add(rp+".end", "%v", err)
				continue
			}
			if !end.After(start) {
				l.c.add(rp+".end", "%s is not after the start %s", r.End, r.Start)
				continue
			}
			f.periods = append(f.periods, FreezePeriod{Freeze: name, Start: start.UTC(), End: end.UTC()})
		}
		if f.ICS != "" {
			l.readICS(f, path, loc, now)
		}
		sortPeriods(f.periods)
		if len(f.periods) > maxFreezePeriods {
			l.c.add(path, "has %d periods in the next %d days, more than %d", len(f.periods), freezeHorizon/day, maxFreezePeriods)
		}
	}
}

// freezeTime reads an RFC 3339 time or a date; an end date means the end
// of that day.
func freezeTime(s string, loc *time.Location, end bool) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (2026-12-20T18:00:00Z) or a date (2026-12-20)", s)
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}

// readICS adds the periods of the freeze's iCalendar file.
func (l *loader) readICS(f *Freeze, path string, loc *time.Location, now time.Time) {
	field := path + ".ics"
	at := l.c.lookup(field)
	file := f.ICS
	if !filepath.IsAbs(file) && at.File != "" {
		file = filepath.Join(filepath.Dir(at.File), file)
	}
	r, err := os.Open(file)
	if err != nil {
		l.c.at(at, field, "cannot read the iCalendar file: %v", err)
		return
	}
	defer r.Close()
	cal, err := ical.NewDecoder(r).Decode()
	if err != nil {
		l.c.at(Pos{File: file}, field, "not an iCalendar file: %v", err)
		return
	}
	from, until := now.Add(-7*day), now.Add(freezeHorizon)
	for i, ev := range cal.Events() {
		where := fmt.Sprintf("VEVENT %d", i+1)
		if uid, err := ev.Props.Text(ical.PropUID); err == nil && uid != "" {
			where += " (UID " + uid + ")"
		}
		start, err := ev.DateTimeStart(loc)
		if err != nil {
			l.c.at(Pos{File: file}, field, "%s: DTSTART: %v", where, err)
			continue
		}
		end, err := ev.DateTimeEnd(loc)
		if err != nil || !end.After(start) {
			l.c.at(Pos{File: file}, field, "%s: needs a DTEND or DURATION after its DTSTART", where)
			continue
		}
		summary, _ := ev.Props.Text(ical.PropSummary)
		summary = strings.TrimSpace(summary)
		length := end.Sub(start)
		set, err := ev.RecurrenceSet(loc)
		if err != nil {
			l.c.at(Pos{File: file}, field, "%s: RRULE: %v", where, err)
			continue
		}
		if set == nil {
			if end.After(from) && start.Before(until) {
				f.periods = append(f.periods, FreezePeriod{Freeze: f.Name, Start: start.UTC(), End: end.UTC(), Summary: summary})
			}
			continue
		}
		for _, s := range set.Between(from.Add(-length), until, true) {
			f.periods = append(f.periods, FreezePeriod{Freeze: f.Name, Start: s.UTC(), End: s.Add(length).UTC(), Summary: summary})
			if len(f.periods) > maxFreezePeriods {
				break
			}
		}
	}
}

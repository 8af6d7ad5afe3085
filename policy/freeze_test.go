package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// safetyFile is groupFile with a freeze calendar, hooks and snapshots.
var safetyFile = strings.Replace(groupFile, "    reports: [{type: file, path: reports}]\n", `    reports: [{type: file, path: reports}]
    freezes: [year-end]
    hooks:
      preInstall: [{name: drain, document: Fleet-Drain, parameters: {targetGroup: [tg-1]}, timeout: 5m, onFailure: halt}]
      postInstall: [{name: undrain, linux: "systemctl start app", windows: "Start-Service app"}]
    snapshot: {before: install, retain: 7d}
`, 1) + `freezes:
  - name: year-end
    timeZone: Europe/Berlin
    ranges: [{start: 2026-12-20, end: 2027-01-03}, {start: "2027-03-01T18:00:00Z", end: "2027-03-02T06:00:00Z"}]
`

// Date ranges are whole days in the freeze's zone (the end date
// included); times are taken as written; the snapshot carries the
// group's periods and hooks.
func TestFreezeRangesAndGroupSafety(t *testing.T) {
	p, err := Parse("g.yaml", []byte(safetyFile))
	require.NoError(t, err)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	got := p.Freezes["year-end"].Periods()
	require.Len(t, got, 2)
	require.Equal(t, time.Date(2026, 12, 20, 0, 0, 0, 0, berlin).UTC(), got[0].Start)
	require.Equal(t, time.Date(2027, 1, 4, 0, 0, 0, 0, berlin).UTC(), got[0].End)
	require.Equal(t, time.Date(2027, 3, 1, 18, 0, 0, 0, time.UTC), got[1].Start)

	in, ok := FrozenAt(got, time.Date(2026, 12, 24, 12, 0, 0, 0, time.UTC))
	require.True(t, ok)
	require.Equal(t, "year-end", in.Freeze)
	_, ok = FrozenAt(got, time.Date(2027, 1, 4, 0, 0, 0, 0, berlin))
	require.False(t, ok, "the end is open")
	next, ok := NextFreeze(got, time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC))
	require.True(t, ok)
	require.Equal(t, got[1], next)

	s, err := p.Snapshot("g")
	require.NoError(t, err)
	require.Equal(t, got, s.Freezes)
	require.Equal(t, HookHalt, s.Group.Hooks.PreInstall[0].Failure())
	require.Equal(t, HookSkipInstance, s.Group.Hooks.PostInstall[0].Failure(), "skip-instance is the default")
	require.Equal(t, 5*time.Minute, s.Group.Hooks.PreInstall[0].TimeoutOrDefault())
	require.Equal(t, DefaultHookTimeout, s.Group.Hooks.PostInstall[0].TimeoutOrDefault())
	s.Group.Hooks.PreInstall[0].Parameters["targetGroup"][0] = "changed"
	require.Equal(t, "tg-1", p.Groups["g"].Hooks.PreInstall[0].Parameters["targetGroup"][0], "the snapshot owns its copy")
	require.Equal(t, []string{StagePreInstall, StagePostReboot, StagePostInstall}, []string{s.Group.Hooks.Stages()[0].Name, s.Group.Hooks.Stages()[1].Name, s.Group.Hooks.Stages()[2].Name})
}

func TestValidateFreezesHooksSnapshots(t *testing.T) {
	require.Nil(t, errorLines(t, "g.yaml", safetyFile))
	cases := []struct {
		name, old, new string
		want           []string
	}{
		{"undefined freeze", "freezes: [year-end]", "freezes: [summer]", []string{"groups.g.freezes[0]:", `freeze "summer" is not defined`}},
		{"bad date", "start: 2026-12-20,", "start: 2026-12-32,", []string{"freezes.year-end.ranges[0].start:", "is not an RFC 3339 time"}},
		{"end before start", "end: 2027-01-03}", "end: 2026-12-01}", []string{"freezes.year-end.ranges[0].end:", "is not after the start"}},
		{"zone", "timeZone: Europe/Berlin\n    ranges", "timeZone: Mars/Olympus\n    ranges", []string{"freezes.year-end.timeZone:", "not an IANA time zone"}},
		{"empty freeze", "    ranges: [{start: 2026-12-20, end: 2027-01-03}, {start: \"2027-03-01T18:00:00Z\", end: \"2027-03-02T06:00:00Z\"}]\n", "", []string{"freezes.year-end:", "needs ranges or an ics file"}},
		{"missing ics", "    timeZone: Europe/Berlin\n", "    timeZone: Europe/Berlin\n    ics: nowhere.ics\n", []string{"freezes.year-end.ics:", "cannot read the iCalendar file"}},
		{"hook without command", "{name: undrain, linux: \"systemctl start app\", windows: \"Start-Service app\"}", "{name: undrain}", []string{"groups.g.hooks.postInstall[0]:", "needs an SSM document, a linux script or a windows script"}},
		{"hook on failure", "onFailure: halt", "onFailure: ignore", []string{"g.yaml:", "groups.g.hooks.preInstall[0].onFailure:", `"ignore" is not skip-instance, halt or continue`}},
		{"hook timeout", "timeout: 5m, onFailure", "timeout: 3h, onFailure", []string{"groups.g.hooks.preInstall[0].timeout:", "between 0"}},
		{"parameters without document", "{name: undrain, linux:", "{name: undrain, parameters: {a: [b]}, linux:", []string{"groups.g.hooks.postInstall[0].parameters:", "set document too"}},
		{"hook name", "{name: drain,", "{name: 'drain now',", []string{"groups.g.hooks.preInstall[0].name:", "must be letters"}},
		{"snapshot before", "before: install", "before: reboot", []string{"groups.g.snapshot.before:", `"reboot" is not install`}},
		{"snapshot retain", "retain: 7d", "retain: 2h", []string{"groups.g.snapshot.retain:", "between 1d and 366d"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Contains(t, safetyFile, c.old)
			wantError(t, errorLines(t, "g.yaml", strings.Replace(safetyFile, c.old, c.new, 1)), c.want...)
		})
	}
}

// An ICS file's events, with their recurrences, are freeze periods; an
// event without an end is reported at the file.
func TestFreezeICS(t *testing.T) {
	dir := t.TempDir()
	now := time.Now().UTC()
	first := time.Date(now.Year(), now.Month(), now.Day(), 22, 0, 0, 0, time.UTC).AddDate(0, 0, 1)
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//fleetpatch//test//EN\r\n" +
		"BEGIN:VEVENT\r\nUID:nightly-batch@example.com\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Nightly batch jobs\r\n" +
		"DTSTART:" + first.Format("20060102T150405Z") + "\r\nDTEND:" + first.Add(4*time.Hour).Format("20060102T150405Z") + "\r\n" +
		"RRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n" +
		"BEGIN:VEVENT\r\nUID:release@example.com\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Release day\r\nDTSTART;VALUE=DATE:" +
		first.AddDate(0, 0, 30).Format("20060102") + "\r\nEND:VEVENT\r\n" +
		"END:VCALENDAR\r\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "freeze.ics"), []byte(ics), 0o600))
	file := strings.Replace(safetyFile, "    ranges: [{start: 2026-12-20, end: 2027-01-03}, {start: \"2027-03-01T18:00:00Z\", end: \"2027-03-02T06:00:00Z\"}]\n", "    ics: freeze.ics\n", 1)
	file = strings.Replace(file, "timeZone: Europe/Berlin\n    ics", "timeZone: UTC\n    ics", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.yaml"), []byte(file), 0o600))
	p, err := Load(dir)
	require.NoError(t, err)
	got := p.Freezes["year-end"].Periods()
	require.Len(t, got, 4, "three weekly occurrences and one all-day event")
	for i := range 3 {
		require.Equal(t, first.AddDate(0, 0, 7*i), got[i].Start)
		require.Equal(t, 4*time.Hour, got[i].End.Sub(got[i].Start))
		require.Equal(t, "Nightly batch jobs", got[i].Summary)
	}
	require.Equal(t, 24*time.Hour, got[3].End.Sub(got[3].Start), "a DATE event without DTEND is one day")

	bad := strings.Replace(ics, "DTEND:"+first.Add(4*time.Hour).Format("20060102T150405Z")+"\r\n", "", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "freeze.ics"), []byte(bad), 0o600))
	_, err = Load(dir)
	require.ErrorContains(t, err, "freeze.ics")
	require.ErrorContains(t, err, "VEVENT 1 (UID nightly-batch@example.com): needs a DTEND or DURATION")
}

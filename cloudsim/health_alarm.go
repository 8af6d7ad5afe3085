package cloudsim

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// The simulated clouds' alarms: CloudWatch alarms by account, region and
// name, Azure Monitor alert rules by resource ID (matched without regard
// to case, as ARM IDs are). They exist only once SetAlarm made them.

// alarmKey names an alarm: for Azure only the rule ID counts.
type alarmKey struct {
	cloud                 fleet.Cloud
	account, region, name string
}

func keyOf(cloud fleet.Cloud, account, region, name string) alarmKey {
	if cloud == fleet.CloudAzure {
		return alarmKey{cloud: cloud, name: strings.ToLower(name)}
	}
	return alarmKey{cloud, account, region, name}
}

// alarmRecord is an alarm's current state.
type alarmRecord struct {
	alarm   fleet.Alarm
	firing  bool
	reason  string
	changed time.Time
}

// SimAlarm is a simulated alarm as the emulators report it.
type SimAlarm struct {
	fleet.Alarm
	Firing bool   `json:"firing"`
	Reason string `json:"reason,omitempty"`
	// Changed is the simulated time of the last change of Firing.
	Changed time.Time `json:"changed"`
}

// State is the alarm's state in its cloud's words: ALARM or OK for a
// CloudWatch alarm, Fired or Resolved for an Azure Monitor alert rule.
func (a SimAlarm) State() string {
	switch {
	case a.Cloud == fleet.CloudAzure && a.Firing:
		return "Fired"
	case a.Cloud == fleet.CloudAzure:
		return "Resolved"
	case a.Firing:
		return "ALARM"
	}
	return "OK"
}

// SetAlarm creates the alarm or sets its state: a CloudWatch alarm
// (cloud "aws") by account, region and name, or an Azure Monitor alert
// rule (cloud "azure") by its resource ID in name (account and region are
// ignored). Reason is the state's reason (CloudWatch's StateReason, the
// Azure alert's description).
func (f *Fleet) SetAlarm(cloud fleet.Cloud, account, region, name string, firing bool, reason string) {
	h := f.gates
	k := keyOf(cloud, account, region, name)
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.alarms[k]
	if !ok || r.firing != firing {
		r.changed = f.clock.Now()
	}
	r.alarm = fleet.Alarm{Cloud: cloud, Account: account, Region: region, Name: name}
	if cloud == fleet.CloudAzure {
		r.alarm.Account, r.alarm.Region = "", ""
	}
	r.firing, r.reason = firing, reason
	h.alarms[k] = r
}

// RemoveAlarm deletes an alarm (as deleting the CloudWatch alarm or the
// alert rule would).
func (f *Fleet) RemoveAlarm(cloud fleet.Cloud, account, region, name string) {
	h := f.gates
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.alarms, keyOf(cloud, account, region, name))
}

// Alarm returns an alarm, if it exists.
func (f *Fleet) Alarm(cloud fleet.Cloud, account, region, name string) (SimAlarm, bool) {
	h := f.gates
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.alarms[keyOf(cloud, account, region, name)]
	if !ok {
		return SimAlarm{}, false
	}
	return SimAlarm{Alarm: r.alarm, Firing: r.firing, Reason: r.reason, Changed: r.changed}, true
}

// Alarms returns every alarm, sorted by cloud, account, region and name.
func (f *Fleet) Alarms() []SimAlarm {
	h := f.gates
	h.mu.Lock()
	out := make([]SimAlarm, 0, len(h.alarms))
	for _, r := range h.alarms {
		out = append(out, SimAlarm{Alarm: r.alarm, Firing: r.firing, Reason: r.reason, Changed: r.changed})
	}
	h.mu.Unlock()
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		return fmt.Sprint(a.Cloud, "\x00", a.Account, "\x00", a.Region, "\x00", a.Name) <
			fmt.Sprint(b.Cloud, "\x00", b.Account, "\x00", b.Region, "\x00", b.Name)
	})
	return out
}

// AlarmStates reads the alarms' current states. An alarm that does not
// exist is an error wrapping fleet.ErrPermanent, not a healthy state: the
// gate that names it cannot be checked (CloudWatch lists no such alarm;
// the Azure rule is not found), and a misspelt alarm must not let a
// rollout through.
func (f *Fleet) AlarmStates(ctx context.Context, alarms []fleet.Alarm) ([]fleet.AlarmState, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := f.throttle("AlarmStates"); err != nil {
		return nil, err
	}
	out := make([]fleet.AlarmState, 0, len(alarms))
	for _, a := range alarms {
		s, ok := f.Alarm(a.Cloud, a.Account, a.Region, a.Name)
		if !ok {
			return nil, fmt.Errorf("cloudsim: %s: %w", missingAlarm(a), fleet.ErrPermanent)
		}
		out = append(out, fleet.AlarmState{Alarm: a, Firing: s.Firing, State: s.State(), Reason: s.Reason})
	}
	return out, nil
}

// missingAlarm says which alarm does not exist.
func missingAlarm(a fleet.Alarm) string {
	if a.Cloud == fleet.CloudAzure {
		return "Azure Monitor alert rule " + a.Name + " not found"
	}
	return fmt.Sprintf("CloudWatch alarm %q not found in account %s region %s", a.Name, a.Account, a.Region)
}

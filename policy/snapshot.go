package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Snapshot is the self-contained policy of one group at one moment: the
// group, its baselines by OS, and its windows, plus a digest over all of
// them. A cycle records it (it is JSON-serialisable for Temporal payloads),
// so that the audit trail says exactly which policy was in force.
type Snapshot struct {
	Group         Group                       `json:"group"`
	Baselines     map[fleet.OSFamily]Baseline `json:"baselines"`
	ScanWindow    Window                      `json:"scanWindow"`
	InstallWindow *Window                     `json:"installWindow,omitempty"`
	// Freezes are the periods of the group's change freezes.
	Freezes []FreezePeriod `json:"freezes,omitempty"`
	// Digest is the lowercase hex SHA-256 of the canonical JSON of the
	// other fields (encoding/json: struct field order, sorted map keys).
	Digest string `json:"digest"`
}

// Snapshot copies the named group's policy and its digest.
func (p *Policy) Snapshot(group string) (Snapshot, error) {
	g, err := p.Group(group)
	if err != nil {
		return Snapshot{}, err
	}
	s := Snapshot{Group: *g, Baselines: map[fleet.OSFamily]Baseline{}}
	s.Group.Selector = cloneSelector(g.Selector)
	s.Group.Baselines = map[fleet.OSFamily]string{}
	for os, name := range g.Baselines {
		b, ok := p.Baselines[name]
		if !ok {
			return Snapshot{}, fmt.Errorf("policy: group %q: baseline %q is not defined", group, name)
		}
		s.Group.Baselines[os] = name
		s.Baselines[os] = cloneBaseline(b)
	}
	sw, ok := p.Windows[g.Windows.Scan]
	if !ok {
		return Snapshot{}, fmt.Errorf("policy: group %q: scan window %q is not defined", group, g.Windows.Scan)
	}
	s.ScanWindow = cloneWindow(sw)
	if g.Windows.Install != "" {
		iw, ok := p.Windows[g.Windows.Install]
		if !ok {
			return Snapshot{}, fmt.Errorf("policy: group %q: install window %q is not defined", group, g.Windows.Install)
		}
		w := cloneWindow(iw)
		s.InstallWindow = &w
	}
	if g.Approval != nil {
		a := *g.Approval
		a.Approvers = append([]string(nil), a.Approvers...)
		a.Keys = append([]string(nil), a.Keys...)
		s.Group.Approval = &a
	}
	s.Group.Reports = append([]ReportDestination(nil), g.Reports...)
	s.Group.Notifications = cloneNotifications(g.Notifications)
	s.Group.ChangeTicket = cloneChangeTicket(g.ChangeTicket)
	s.Group.Freezes = append([]string(nil), g.Freezes...)
	s.Freezes = p.FreezePeriods(g.Freezes)
	if g.Hooks != nil {
		h := cloneHooks(*g.Hooks)
		s.Group.Hooks = &h
	}
	if g.Snapshot != nil {
		sp := *g.Snapshot
		s.Group.Snapshot = &sp
	}
	s.Group.Rollout.HealthGates = append([]HealthGate(nil), g.Rollout.HealthGates...)
	s.Digest, err = s.ComputeDigest()
	return s, err
}

// ComputeDigest hashes the snapshot without its Digest field; a snapshot
// is intact when ComputeDigest equals Digest.
func (s Snapshot) ComputeDigest() (string, error) {
	s.Digest = ""
	b, err := json.Marshal(s)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// cloneHooks deep-copies hooks, so that a snapshot never shares slices
// or maps with the policy.
func cloneHooks(h Hooks) Hooks {
	c := func(hs []Hook) []Hook {
		out := make([]Hook, len(hs))
		for i, x := range hs {
			out[i] = x
			if x.Parameters != nil {
				out[i].Parameters = map[string][]string{}
				for k, v := range x.Parameters {
					out[i].Parameters[k] = append([]string(nil), v...)
				}
			}
		}
		if len(out) == 0 {
			return nil
		}
		return out
	}
	return Hooks{PreInstall: c(h.PreInstall), PostInstall: c(h.PostInstall), PostReboot: c(h.PostReboot)}
}

// cloneBaseline deep-copies a baseline through JSON, so that a snapshot
// shares no slices with the loaded policy.
func cloneBaseline(b *Baseline) Baseline {
	var out Baseline
	data, _ := json.Marshal(b)
	_ = json.Unmarshal(data, &out)
	return out
}

func cloneWindow(w *Window) Window {
	out := *w
	if w.Calendar != nil {
		cal := *w.Calendar
		cal.Days = append([]string(nil), cal.Days...)
		out.Calendar = &cal
	}
	return out
}

func cloneSelector(s fleet.Selector) fleet.Selector {
	out := fleet.Selector{
		Clouds:   append([]fleet.Cloud(nil), s.Clouds...),
		Accounts: append([]string(nil), s.Accounts...),
		Regions:  append([]string(nil), s.Regions...),
		OS:       append([]fleet.OSFamily(nil), s.OS...),
	}
	if s.Tags != nil {
		out.Tags = map[string]string{}
		for k, v := range s.Tags {
			out.Tags[k] = v
		}
	}
	return out
}

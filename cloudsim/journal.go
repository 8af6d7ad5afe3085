package cloudsim

import (
	"fmt"
	"slices"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// InstallRecord is one install operation on one instance, as the fleet
// itself saw it: the record a checker compares with what the workers
// reported.
type InstallRecord struct {
	InstanceID string      `json:"instanceId"`
	Cloud      fleet.Cloud `json:"cloud"`
	// CycleID is InstallRequest.CycleID as the caller passed it: the
	// cycle's run key through providers/sim, the command's SnapshotId
	// through the AWS emulator (providers/aws derives it with SnapshotID
	// from the run key), and whatever the Azure emulator passes for
	// installPatches, which carries no cycle.
	CycleID string `json:"cycleId"`
	// Start is the wall-clock time the install call reached the fleet;
	// End the wall-clock time the instance's install ended (or was given
	// up).
	Start   time.Time          `json:"start"`
	End     time.Time          `json:"end"`
	Reboot  fleet.RebootOption `json:"reboot,omitempty"`
	Outcome InstallOutcome     `json:"outcome"`
	// Rebooted says the install started a reboot; RebootDeferred that it
	// needed one and skipped it, live patches covering the kernel update
	// (live_patch.go).
	Rebooted       bool `json:"rebooted,omitempty"`
	RebootDeferred bool `json:"rebootDeferred,omitempty"`
	// Error is why nothing was installed (not-delivered, missed-deadline,
	// cancelled); a failed patch's error is in its change.
	Error string `json:"error,omitempty"`
	// Changes are the requested patches of the instance's OS release, with
	// the package's version before and after; patches that do not apply
	// are left out.
	Changes []fleet.PackageChange `json:"changes,omitempty"`
}

// InstallOutcome is how an install operation ended on one instance.
type InstallOutcome string

// Outcomes of an install operation. Only Installed and Failed reached the
// instance; the others changed nothing on it.
const (
	// OutcomeInstalled: every requested patch is installed (now, or
	// already before).
	OutcomeInstalled InstallOutcome = "installed"
	// OutcomeFailed: at least one patch failed; Changes say which.
	OutcomeFailed InstallOutcome = "failed"
	// OutcomeNotDelivered: the instance could not take the command
	// (agent offline, rebooting, not back from a reboot).
	OutcomeNotDelivered InstallOutcome = "not-delivered"
	// OutcomeMissedDeadline: it would not have finished by the request's
	// deadline, so it did not run.
	OutcomeMissedDeadline InstallOutcome = "missed-deadline"
	// OutcomeCancelled: the call ended before the instance's turn.
	OutcomeCancelled InstallOutcome = "cancelled"
)

// MaxJournalPerInstance bounds each instance's journal: later records are
// counted (see Journal) but not kept.
const MaxJournalPerInstance = 32

// journal is one instance's install records, kept compact: patches and
// versions as indexes into the instance's release.
type journal struct {
	entries []journalEntry
	dropped int
}

// journalEntry is an InstallRecord without what the instance knows.
type journalEntry struct {
	cycle      string
	start, end time.Time
	reboot     fleet.RebootOption
	outcome    InstallOutcome
	rebooted   bool
	deferred   bool
	err        string
	changes    []journalChange
	// errs holds each change's error, or is nil when none has one.
	errs []string
}

// journalChange is a PackageChange in a few bytes: the component, its
// version indexes before and after (-1: absent) and the state.
type journalChange struct {
	comp     int16
	from, to int8
	state    uint8
}

// journalStates are the states a journalChange can hold, by index.
var journalStates = []fleet.PatchState{fleet.StateInstalled, fleet.StateInstalledPendingReboot, fleet.StateFailed, fleet.StateMissing}

// installCall is what every record of one Install call shares.
type installCall struct {
	cycle            string
	reboot           fleet.RebootOption
	deferLivePatched bool
	start            time.Time
}

func newInstallCall(req fleet.InstallRequest) installCall {
	return installCall{cycle: req.CycleID, reboot: req.Reboot, deferLivePatched: req.DeferLivePatchedReboots, start: time.Now().UTC()}
}

// add keeps a record unless the journal is full.
func (j *journal) add(e journalEntry) {
	if len(j.entries) >= MaxJournalPerInstance {
		j.dropped++
		return
	}
	j.entries = append(j.entries, e)
}

// journalInstall records an install's outcome on m. Callers hold m's lock.
func (m *machine) journalInstall(call installCall, out fleet.InstanceInstall, outcome InstallOutcome) {
	e := journalEntry{cycle: call.cycle, start: call.start, end: time.Now().UTC(), reboot: call.reboot,
		outcome: outcome, rebooted: out.Rebooted, deferred: out.RebootDeferred, err: out.Error}
	e.changes, e.errs, _ = m.compactChanges(out.Changes)
	m.journal.add(e)
}

// journalMiss records an install that changed nothing on the instance
// (not-delivered, cancelled); unknown instances have no journal.
func (f *Fleet) journalMiss(call installCall, out fleet.InstanceInstall, outcome InstallOutcome) {
	m := f.byID[out.InstanceID]
	if m == nil {
		return
	}
	f.lock(m)
	defer f.unlock(m)
	m.journalInstall(call, out, outcome)
}

// outcomeOf classifies an install that reached the instance.
func outcomeOf(out fleet.InstanceInstall) InstallOutcome {
	for _, c := range out.Changes {
		if c.State == fleet.StateFailed {
			return OutcomeFailed
		}
	}
	return OutcomeInstalled
}

// compactChanges turns changes into journalChanges, leaving out the
// patches that are not of the instance's release; it fails on a version or
// state the release cannot hold.
func (m *machine) compactChanges(changes []fleet.PackageChange) ([]journalChange, []string, error) {
	var out []journalChange
	var errs []string
	for _, pc := range changes {
		ci, ok := m.rel.byPatchID[pc.PatchID]
		if !ok || pc.State == fleet.StateNotApplicable {
			continue
		}
		c := &m.rel.Components[ci]
		from, to := slices.Index(c.Versions, pc.FromVersion), slices.Index(c.Versions, pc.ToVersion)
		state := slices.Index(journalStates, pc.State)
		if (from < 0 && pc.FromVersion != "") || (to < 0 && pc.ToVersion != "") || state < 0 {
			return nil, nil, fmt.Errorf("patch %s: %s -> %s (%s) does not fit package %s", pc.PatchID, pc.FromVersion, pc.ToVersion, pc.State, c.Name)
		}
		if pc.Error != "" && errs == nil {
			errs = make([]string, len(out), len(changes))
		}
		if errs != nil {
			errs = append(errs, pc.Error)
		}
		out = append(out, journalChange{comp: int16(ci), from: int8(from), to: int8(to), state: uint8(state)})
	}
	return out, errs, nil
}

// record expands an entry of m's journal.
func (m *machine) record(e *journalEntry) InstallRecord {
	r := InstallRecord{InstanceID: m.static.ID, Cloud: m.static.Cloud, CycleID: e.cycle, Start: e.start, End: e.end,
		Reboot: e.reboot, Outcome: e.outcome, Rebooted: e.rebooted, RebootDeferred: e.deferred, Error: e.err}
	if len(e.changes) > 0 {
		r.Changes = make([]fleet.PackageChange, len(e.changes))
	}
	for i, jc := range e.changes {
		c := &m.rel.Components[jc.comp]
		r.Changes[i] = fleet.PackageChange{PatchID: c.Patch.ID, Name: c.Name, FromVersion: versionAt(c, jc.from),
			ToVersion: versionAt(c, jc.to), State: journalStates[jc.state]}
		if e.errs != nil {
			r.Changes[i].Error = e.errs[i]
		}
	}
	return r
}

// versionAt returns the component's version at index v ("" below 0).
func versionAt(c *component, v int8) string {
	if v < 0 {
		return ""
	}
	return c.Versions[v]
}

// restoreJournal rebuilds m's journal from saved records.
func (m *machine) restoreJournal(recs []InstallRecord, dropped int) error {
	m.journal = journal{dropped: dropped}
	for _, r := range recs {
		changes, errs, err := m.compactChanges(r.Changes)
		if err != nil {
			return fmt.Errorf("journal: %w", err)
		}
		m.journal.entries = append(m.journal.entries, journalEntry{cycle: r.CycleID, start: r.Start, end: r.End, reboot: r.Reboot,
			outcome: r.Outcome, rebooted: r.Rebooted, deferred: r.RebootDeferred, err: r.Error, changes: changes, errs: errs})
	}
	return nil
}

// records expands m's journal. Callers hold m's lock.
func (m *machine) records() []InstallRecord {
	out := make([]InstallRecord, len(m.journal.entries))
	for i := range m.journal.entries {
		out[i] = m.record(&m.journal.entries[i])
	}
	return out
}

// Journal returns the install records of the instances (of every instance
// when ids is empty; unknown IDs are skipped), instance by instance in the
// order given (else the fleet's), each instance's oldest first, and how
// many records of those instances were not kept because their journal was
// full (MaxJournalPerInstance).
func (f *Fleet) Journal(ids ...string) ([]InstallRecord, int) {
	if len(ids) == 0 {
		ids = f.IDs()
	}
	var out []InstallRecord
	dropped := 0
	for _, id := range ids {
		m := f.byID[id]
		if m == nil {
			continue
		}
		f.lock(m)
		out = append(out, m.records()...)
		dropped += m.journal.dropped
		f.unlock(m)
	}
	return out, dropped
}

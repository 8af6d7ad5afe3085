package cloudsim

import (
	"sync"
	"time"
)

// The health-gate state of a fleet: the command results injected with
// SetCommandResult, the last command run on each instance and the alarm
// states set with SetAlarm. It is test and demo state: Save does not write
// it, and a loaded fleet starts with none (every command exits 0, no alarm
// exists).

// healthState is one fleet's health-gate state.
type healthState struct {
	mu       sync.Mutex
	outcomes map[string]CommandOutcome
	// named are outcomes of the commands of one name (a hook's), by
	// instance and name.
	named map[[2]string]CommandOutcome
	last  map[string]CommandRun
	// runs are every command that ran, per instance, in order.
	runs   map[string][]CommandRun
	alarms map[alarmKey]alarmRecord
}

func newHealthState() *healthState {
	return &healthState{outcomes: map[string]CommandOutcome{}, named: map[[2]string]CommandOutcome{}, last: map[string]CommandRun{},
		runs: map[string][]CommandRun{}, alarms: map[alarmKey]alarmRecord{}}
}

// CommandOutcome is how a health-check command ends on one instance.
type CommandOutcome struct {
	// ExitCode and Output are what the command returns.
	ExitCode int    `json:"exitCode"`
	Output   string `json:"output,omitempty"`
	// Duration is how long it runs, in simulated time; 0 means
	// DefaultCommandDuration. A command that would outlast the request's
	// timeout is reported timed out at the timeout.
	Duration time.Duration `json:"duration,omitempty"`
}

// DefaultCommandDuration is how long a health-check command runs unless
// SetCommandOutcome says otherwise.
const DefaultCommandDuration = time.Second

// CommandRun is a command (a health check or a hook) that ran on an
// instance.
type CommandRun struct {
	// Name is the request's Name (fleetpatch-hook-<stage>-<hook> for hooks).
	Name string `json:"name,omitempty"`
	// Script is the script that ran: the request's Linux or Windows one,
	// or "document NAME" for an SSM document.
	Script   string `json:"script"`
	ExitCode int    `json:"exitCode"`
	// At is when it ended, on the fleet's clock; Ended on the wall clock,
	// as InstallRecord's times, so that a checker can order commands and
	// installs.
	At    time.Time `json:"at"`
	Ended time.Time `json:"ended"`
}

// SetCommandResult makes every later health-check command on the instance
// exit with exitCode and print output (by default a command exits 0 and
// prints nothing).
func (f *Fleet) SetCommandResult(instanceID string, exitCode int, output string) {
	f.SetCommandOutcome(instanceID, CommandOutcome{ExitCode: exitCode, Output: output})
}

// SetCommandOutcome sets how every later health-check command on the
// instance ends, its duration included.
func (f *Fleet) SetCommandOutcome(instanceID string, o CommandOutcome) {
	h := f.gates
	h.mu.Lock()
	defer h.mu.Unlock()
	h.outcomes[instanceID] = o
}

// SetNamedCommandOutcome sets how every later command of the given name
// (a request's Name, e.g. "fleetpatch-hook-preInstall-drain") ends on the
// instance; it takes precedence over SetCommandOutcome.
func (f *Fleet) SetNamedCommandOutcome(instanceID, name string, o CommandOutcome) {
	h := f.gates
	h.mu.Lock()
	defer h.mu.Unlock()
	h.named[[2]string{instanceID, name}] = o
}

// ClearCommandResults makes every command exit 0 again, at once.
func (f *Fleet) ClearCommandResults() {
	h := f.gates
	h.mu.Lock()
	defer h.mu.Unlock()
	clear(h.outcomes)
	clear(h.named)
}

// Commands returns every command that ran on the instance, in the order
// they ended (commands not delivered do not count).
func (f *Fleet) Commands(instanceID string) []CommandRun {
	h := f.gates
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]CommandRun(nil), h.runs[instanceID]...)
}

// LastCommand returns the last health-check command that ran on the
// instance (one that was not delivered does not count).
func (f *Fleet) LastCommand(instanceID string) (CommandRun, bool) {
	h := f.gates
	h.mu.Lock()
	defer h.mu.Unlock()
	r, ok := h.last[instanceID]
	return r, ok
}

// outcome returns the instance's command outcome, with defaults.
func (h *healthState) outcome(id, name string) CommandOutcome {
	h.mu.Lock()
	defer h.mu.Unlock()
	o, ok := h.named[[2]string{id, name}]
	if !ok {
		o = h.outcomes[id]
	}
	if o.Duration <= 0 {
		o.Duration = DefaultCommandDuration
	}
	return o
}

// record remembers the command that ran on an instance.
func (h *healthState) record(id string, r CommandRun) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.last[id] = r
	h.runs[id] = append(h.runs[id], r)
}

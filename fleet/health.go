package fleet

import (
	"context"
	"time"
)

// HealthProber is implemented by providers that can run the health gates'
// checks after a wave: a command on the wave's instances (SSM Run Command,
// Azure Run Command) and the state of cloud alarms (CloudWatch alarms,
// Azure Monitor alerts). The activities type-assert a Provider to it.
type HealthProber interface {
	// RunCommand runs the request's command on at most MaxBatch instances
	// (the Linux script on Linux, the PowerShell script on Windows) and
	// waits until each ended or the request's timeout passed. A per-
	// instance failure is a result, not an error.
	RunCommand(ctx context.Context, req CommandRequest, progress Progress) ([]CommandResult, error)
	// AlarmStates reads the current state of each alarm.
	AlarmStates(ctx context.Context, alarms []Alarm) ([]AlarmState, error)
}

// CommandRequest is a command (a health check or a hook) for a batch of
// instances.
type CommandRequest struct {
	InstanceIDs []string `json:"instanceIds"`
	// Linux is a shell script, Windows a PowerShell script; an instance of
	// an OS without a script is reported with an error.
	Linux   string `json:"linux,omitempty"`
	Windows string `json:"windows,omitempty"`
	// Document, when set, is an SSM document that AWS instances run
	// instead of the scripts, with Parameters as its inputs; instances of
	// other clouds run the scripts.
	Document   string              `json:"document,omitempty"`
	Parameters map[string][]string `json:"parameters,omitempty"`
	// Timeout bounds the command on each instance.
	Timeout time.Duration `json:"timeout"`
	// Name identifies the check in the clouds' command history.
	Name string `json:"name,omitempty"`
}

// CommandResult is how the command ended on one instance: ExitCode is
// meaningful when Error is empty.
type CommandResult struct {
	InstanceID string `json:"instanceId"`
	ExitCode   int    `json:"exitCode"`
	// Output is the tail of the command's output.
	Output string `json:"output,omitempty"`
	// Error says why the command did not run to an exit code (agent
	// offline, timed out, refused).
	Error string `json:"error,omitempty"`
}

// Alarm names a cloud alarm: a CloudWatch alarm by name in an account and
// region, or an Azure Monitor alert rule by its resource ID.
type Alarm struct {
	Cloud   Cloud  `json:"cloud"`
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
	Name    string `json:"name"`
}

// AlarmState is an alarm's state now: Firing when a CloudWatch alarm is in
// ALARM or an Azure Monitor alert of the rule is fired and not resolved.
type AlarmState struct {
	Alarm  Alarm  `json:"alarm"`
	Firing bool   `json:"firing"`
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
}

package cloudsim

import (
	"context"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// RunCommand runs a health-check command on the instances, as SSM Run
// Command or Azure Run Command would: the Linux script on Linux, the
// PowerShell script on Windows. Each ends with its CommandOutcome (exit 0
// and no output unless SetCommandResult said otherwise) after its
// Duration; an instance that is rebooting runs it once it is back. An
// unknown instance, an OS without a script, an offline agent or a reboot
// that never returned is reported with an error and no exit code (the
// command was not delivered, as scans report it), and so is a command
// still running, or not yet delivered, when the request's Timeout passes
// (0: no timeout). When ctx ends, the instances not finished are reported
// with an error and ctx's error is returned with the partial result. The
// call itself fails only when throttled.
func (f *Fleet) RunCommand(ctx context.Context, req fleet.CommandRequest, progress fleet.Progress) ([]fleet.CommandResult, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := f.throttle("RunCommand"); err != nil {
		return nil, err
	}
	h := f.gates
	start := f.clock.Now()
	out := make([]fleet.CommandResult, len(req.InstanceIDs))
	steps := make([]step, len(req.InstanceIDs))
	ends := make([]time.Time, len(req.InstanceIDs))
	for i, id := range req.InstanceIDs {
		ends[i] = f.readyAt(id, start).Add(h.outcome(id, req.Name).Duration)
		at := ends[i]
		if req.Timeout > 0 && at.After(start.Add(req.Timeout)) {
			at = start.Add(req.Timeout)
		}
		steps[i] = step{at: at, index: i}
	}
	fs := f.faults.Load()
	done, err := f.runSteps(ctx, steps, func(i int, now time.Time) {
		out[i] = f.commandOne(fs, h, req, req.InstanceIDs[i], ends[i], now)
	}, progress)
	if err != nil {
		for _, s := range steps[done:] {
			out[s.index] = fleet.CommandResult{InstanceID: req.InstanceIDs[s.index], Error: "command cancelled before it finished: " + err.Error()}
		}
		return out, err
	}
	return out, nil
}

// commandOne ends the command on one instance at now; end is when it
// would finish.
func (f *Fleet) commandOne(fs *faultSet, h *healthState, req fleet.CommandRequest, id string, end, now time.Time) fleet.CommandResult {
	out := fleet.CommandResult{InstanceID: id}
	m0 := f.byID[id]
	if m0 == nil {
		out.Error = errNotFound(id)
		return out
	}
	script, shell := req.Linux, "shell script"
	if m0.static.OS.IsWindows() {
		script, shell = req.Windows, "PowerShell script"
	}
	if req.Document != "" && m0.static.Cloud != fleet.CloudAzure {
		// AWS runs the SSM document on every OS.
		script = "document " + req.Document
	}
	if script == "" {
		out.Error = "command not sent: the check has no " + shell + " for this " + string(m0.static.OS) + " instance"
		return out
	}
	m, why := f.reach(fs, id, "command", now)
	if m == nil {
		out.Error = why
		return out
	}
	if code, output, ok := f.runRebootScript(fs, m, script, now); ok && !now.Before(end) {
		// A live-patch check or a reboot-if-required (live_patch_scripts.go).
		out.ExitCode, out.Output = code, output
		f.unlock(m)
		h.record(id, CommandRun{Name: req.Name, Script: script, ExitCode: out.ExitCode, At: now, Ended: time.Now()})
		return out
	}
	if version, ok := releaseScript(script); ok && !now.Before(end) && !m0.static.OS.IsWindows() {
		// A release move (AL2023 `dnf upgrade --releasever`) changes the host.
		out.ExitCode, out.Output = f.runRelease(m, version)
		f.unlock(m)
		h.record(id, CommandRun{Name: req.Name, Script: script, ExitCode: out.ExitCode, At: now, Ended: time.Now()})
		return out
	}
	f.unlock(m)
	if now.Before(end) {
		out.Error = "command timed out: still running after " + req.Timeout.String()
		return out
	}
	o := h.outcome(id, req.Name)
	out.ExitCode, out.Output = o.ExitCode, o.Output
	h.record(id, CommandRun{Name: req.Name, Script: script, ExitCode: o.ExitCode, At: now, Ended: time.Now()})
	return out
}

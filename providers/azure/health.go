package azure

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.HealthProber = (*Provider)(nil)

// Run Command IDs of the VM action
// (https://learn.microsoft.com/azure/virtual-machines/linux/run-command#available-commands).
const (
	commandShell      = "RunShellScript"
	commandPowerShell = "RunPowerShellScript"
	// defaultCheckTimeout bounds a check whose request has no timeout.
	defaultCheckTimeout = 10 * time.Minute
	// maxCheckOutput is how much of a check's output a result keeps: its
	// end.
	maxCheckOutput = 1000
)

// RunCommand runs the request's check on at most 50 machines, in
// parallel (bounded per subscription as every call): on a VM through the
// runCommand action (RunShellScript on Linux, RunPowerShellScript on
// Windows, the script wrapped to report its exit code, see
// health_script.go), on an Arc machine through a Machine Run Command
// (arc_health.go). It waits for each until the request's timeout, bounded
// by ctx's deadline. A machine that ran the check has its exit code and
// the tail of its output; one the command did not reach (agent not
// ready, VM deallocated), where it did not end in time (Run Command
// cannot be cancelled: it may still run there) or that failed otherwise
// carries an error. Throttling that outlasts azcore's retries, a denied
// Microsoft.Compute/virtualMachines/runCommand/action and the end of ctx
// fail the call.
func (p *Provider) RunCommand(ctx context.Context, req fleet.CommandRequest, progress fleet.Progress) ([]fleet.CommandResult, error) {
	if err := checkBatch("RunCommand", len(req.InstanceIDs)); err != nil {
		return nil, err
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = defaultCheckTimeout
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok {
		margin := min(max(time.Until(d)/10, 2*p.cfg.PollInterval), time.Minute)
		if limit := d.Add(-margin); limit.Before(deadline) {
			deadline = limit
		}
	}
	out := make([]fleet.CommandResult, len(req.InstanceIDs))
	errs := make([]error, len(req.InstanceIDs))
	p.forEach(ctx, req.InstanceIDs, progress, func(ctx context.Context, i int, m machine, beat func()) {
		out[i], errs[i] = p.commandOne(ctx, m, req, deadline, timeout, beat)
	}, func(i int, err error) {
		out[i] = fleet.CommandResult{InstanceID: req.InstanceIDs[i], Error: err.Error()}
	})
	for _, err := range errs {
		if callError(err) {
			return out, wrapCallError(err)
		}
	}
	return out, nil
}

// commandOne runs the check on one machine. The error is set only when it
// may concern the whole call (see callError); the result says the rest.
func (p *Provider) commandOne(ctx context.Context, m machine, req fleet.CommandRequest, deadline time.Time, timeout time.Duration, beat func()) (fleet.CommandResult, error) {
	out := fleet.CommandResult{InstanceID: m.ID}
	in, err := p.describe(ctx, m)
	if err != nil {
		out.Error = machineError("runCommand", err)
		return out, err
	}
	script, kind := req.Linux, "shell script"
	if in.OS.IsWindows() {
		script, kind = req.Windows, "PowerShell script"
	}
	switch {
	case in.OS == "":
		out.Error = "command not sent: the machine's operating system is not supported"
		return out, nil
	case script == "":
		out.Error = "command not sent: the check has no " + kind + " for this " + string(in.OS) + " machine"
		return out, nil
	}
	runCtx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	if m.Arc {
		out, err = p.commandArc(runCtx, m, in, script, timeout, beat)
	} else {
		out, err = p.commandVM(runCtx, m, in, script, beat)
	}
	switch {
	case err == nil:
		return out, nil
	case ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded):
		return fleet.CommandResult{InstanceID: m.ID, Error: "command timed out: no result after " + timeout.Round(time.Second).String() +
			" (Run Command cannot be cancelled: the script may still run there)"}, nil
	case unreachable(err):
		return fleet.CommandResult{InstanceID: m.ID, Error: "command not delivered: " + machineError("runCommand", err)}, nil
	}
	return fleet.CommandResult{InstanceID: m.ID, Error: machineError("runCommand", err)}, err
}

// commandVM runs the wrapped check through VirtualMachines.runCommand and
// reads its exit code from the output.
func (p *Provider) commandVM(ctx context.Context, m machine, in fleet.Instance, script string, beat func()) (fleet.CommandResult, error) {
	out := fleet.CommandResult{InstanceID: m.ID}
	c, err := p.vmClient(m.Sub)
	if err != nil {
		return out, err
	}
	id, wrapped := commandShell, wrapShell(script)
	if in.OS.IsWindows() {
		id, wrapped = commandPowerShell, wrapPowerShell(script)
	}
	pl, err := c.BeginRunCommand(ctx, m.RG, m.Name, armcompute.RunCommandInput{CommandID: to.Ptr(id), Script: []*string{to.Ptr(wrapped)}}, nil)
	if err != nil {
		return out, err
	}
	r, err := poll(ctx, pl, p.cfg.PollInterval, beat)
	if err != nil {
		return out, err
	}
	var codes, messages []string
	for _, s := range r.Value {
		if s != nil {
			codes, messages = append(codes, deref(s.Code)), append(messages, deref(s.Message))
		}
	}
	stdout, stderr := streams(codes, messages)
	code, output, ok := exitCodeOf(stdout, stderr, messages)
	out.Output = tailOf(output)
	if !ok {
		out.Error = "runCommand " + id + " reported no exit code (" + strings.Join(codes, ", ") + ")"
		return out, nil
	}
	out.ExitCode = code
	return out, nil
}

// tailOf keeps the end of an output.
func tailOf(s string) string {
	if len(s) <= maxCheckOutput {
		return s
	}
	return "…" + s[len(s)-maxCheckOutput:]
}

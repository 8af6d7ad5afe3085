package azure

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Checks on Arc machines run as Machine Run Commands, as the inventory
// does (arc_inventory.go): PUT .../machines/{name}/runCommands/{name} with
// properties.source.script (the check itself: the machine runs it with
// its shell, bash or PowerShell), asyncExecution false and
// timeoutInSeconds, a long-running operation whose final GET carries
// properties.instanceView: executionState (Succeeded, Failed, TimedOut,
// …), exitCode, output and error
// (https://learn.microsoft.com/rest/api/hybridcompute/machine-run-commands/create-or-update?view=rest-hybridcompute-2025-01-13).
// A script that exits non-zero ends executionState Failed with its exit
// code, the run command itself Succeeded (treatFailureAsDeploymentFailure
// is left false). The run command is deleted afterwards, best effort.

// healthRunCommandPrefix starts the name of a check's run command.
const healthRunCommandPrefix = "fleetpatch-health-"

// commandArc runs the check as a Machine Run Command.
func (p *Provider) commandArc(ctx context.Context, m machine, in fleet.Instance, script string, timeout time.Duration, beat func()) (fleet.CommandResult, error) {
	out := fleet.CommandResult{InstanceID: m.ID}
	if in.Region == "" {
		out.Error = "run command not created: the Arc machine's location is unknown"
		return out, nil
	}
	name, err := runCommandName(healthRunCommandPrefix)
	if err != nil {
		return out, err
	}
	path := m.ID + "/runCommands/" + name
	body := map[string]any{"location": in.Region, "properties": map[string]any{
		"source": map[string]string{"script": script}, "asyncExecution": false,
		"timeoutInSeconds": int(max(timeout, time.Second) / time.Second)}}
	pl, err := arcBegin[arcRunCommand](ctx, p, http.MethodPut, path, body)
	if err != nil {
		return out, err
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		p.deleteRunCommand(dctx, path)
	}()
	r, err := poll(ctx, pl, p.cfg.PollInterval, beat)
	if err != nil {
		return out, err
	}
	iv := r.Properties.InstanceView
	if iv == nil {
		out.Error = "run command " + name + " ended (provisioningState " + r.Properties.ProvisioningState + ") without an instanceView"
		return out, nil
	}
	out.Output = tailOf(strings.TrimRight(iv.Output, "\r\n"))
	if e := strings.TrimSpace(iv.Error); e != "" {
		out.Output = tailOf(strings.TrimSpace(out.Output + "\n[stderr]\n" + e))
	}
	switch {
	case strings.EqualFold(iv.ExecutionState, "Failed") && iv.ExitCode == 0:
		out.Error = "run command " + name + " failed without an exit code: " + strings.TrimSpace(iv.Error)
	case strings.EqualFold(iv.ExecutionState, "Succeeded"), strings.EqualFold(iv.ExecutionState, "Failed"):
		out.ExitCode = iv.ExitCode
	case strings.EqualFold(iv.ExecutionState, "TimedOut"):
		out.Error = "command timed out: run command " + name + " ran longer than " + timeout.Round(time.Second).String()
	default:
		out.Error = "run command " + name + " ended with executionState " + iv.ExecutionState + ": " + strings.TrimSpace(iv.Error)
	}
	return out, nil
}

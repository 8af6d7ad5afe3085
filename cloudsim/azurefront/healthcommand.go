package azurefront

import (
	"context"
	"encoding/base64"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Health-check scripts on VMs: the provider sends a check through the
// runCommand action wrapped so that it prints "fleetpatch-exit-code: N"
// last (the action reports no exit code; see providers/azure
// health_script.go), the check itself base64-encoded in it. The emulator
// takes the check out of the wrapper, runs it with the fleet's RunCommand
// (exit code and output as the fleet's SetCommandResult says, exit 0 by
// default) and answers as Run Command does: on Linux one status
// ProvisioningState/succeeded whose message is "Enable succeeded:
// \n[stdout]\n…\n[stderr]\n…", on Windows the statuses
// ComponentStatus/StdOut/succeeded and ComponentStatus/StdErr/succeeded,
// the output cut to its last 4,096 bytes
// (https://learn.microsoft.com/azure/virtual-machines/linux/run-command#restrictions).
// Any other script is refused, as before, unless it is an inventory
// script (runcommand.go).

// checkMarker is the wrapper's exit-code line.
const checkMarker = "fleetpatch-exit-code: "

// runCommandLimits: the action's output tail and its longest run.
const (
	runCommandOutput  = 4096
	runCommandMaxTime = 90 * time.Minute
)

var quotedBase64 = regexp.MustCompile(`'([A-Za-z0-9+/]+={0,2})'`)

// wrappedCheck returns the check a provider's wrapper carries.
func wrappedCheck(script string) (string, bool) {
	if !strings.Contains(script, checkMarker) {
		return "", false
	}
	for _, m := range quotedBase64.FindAllStringSubmatch(script, -1) {
		if b, err := base64.StdEncoding.DecodeString(m[1]); err == nil {
			return string(b), true
		}
	}
	return "", false
}

// runVMCheck runs a health-check wrapper sent to a VM's runCommand action
// (runCommand hands it on).
func (s *Server) runVMCheck(w http.ResponseWriter, r *http.Request, id, commandID, check string) {
	inst, _ := s.fleet.Instance(id)
	if (commandID == "RunPowerShellScript") != inst.OS.IsWindows() || (commandID != "RunShellScript" && commandID != "RunPowerShellScript") {
		writeError(w, http.StatusNotFound, "NotFound", "The entity was not found in this Azure location.")
		return
	}
	s.startOperation(w, r, id, "runCommand", func(ctx context.Context) (any, *armError) {
		res, aerr := s.runCheck(ctx, inst, check, runCommandMaxTime)
		if aerr != nil {
			return nil, aerr
		}
		if res.Error != "" {
			return nil, &armError{Code: "VMExtensionProvisioningError", Message: "Run command failed: " + res.Error}
		}
		stdout := res.Output
		if stdout != "" && !strings.HasSuffix(stdout, "\n") {
			stdout += "\n"
		}
		stdout = lastBytes(stdout+checkMarker+strconv.Itoa(res.ExitCode)+"\n", runCommandOutput)
		if inst.OS.IsWindows() {
			return map[string]any{"value": []any{
				map[string]any{"code": "ComponentStatus/StdOut/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "message": stdout},
				map[string]any{"code": "ComponentStatus/StdErr/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "message": ""},
			}}, nil
		}
		return map[string]any{"value": []any{
			map[string]any{"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
				"message": "Enable succeeded: \n[stdout]\n" + stdout + "\n[stderr]\n"},
		}}, nil
	})
}

// runCheck runs a check on one instance with the fleet. An instance the
// command cannot reach fails the operation as Run Command does
// (VMAgentStatusCommunicationError); a check that outlasts timeout is
// reported in the result's Error.
func (s *Server) runCheck(ctx context.Context, in fleet.Instance, check string, timeout time.Duration) (fleet.CommandResult, *armError) {
	req := fleet.CommandRequest{InstanceIDs: []string{in.ID}, Timeout: timeout, Name: "fleetpatch-health-gate"}
	if in.OS.IsWindows() {
		req.Windows = check
	} else {
		req.Linux = check
	}
	res, err := s.fleet.RunCommand(ctx, req, nil)
	switch {
	case err != nil:
		return fleet.CommandResult{}, &armError{Code: "InternalExecutionError", Message: err.Error()}
	case strings.Contains(res[0].Error, "not delivered"):
		return fleet.CommandResult{}, &armError{Code: "VMAgentStatusCommunicationError", Message: "Run command extension execution is unavailable: " + res[0].Error}
	}
	return res[0], nil
}

// lastBytes keeps the last n bytes of s.
func lastBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

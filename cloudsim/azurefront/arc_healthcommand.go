package azurefront

import (
	"context"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Health checks on Arc machines are Machine Run Commands named
// "fleetpatch-health-…" (PUT, GET, DELETE, served with the inventory's in
// arc_runcommands.go), as the provider's arc_health.go makes them: the
// script (the check itself) runs with the fleet's RunCommand within
// properties.timeoutInSeconds, and GET shows properties.instanceView with
// executionState Succeeded (exit 0), Failed (another exit code, in
// exitCode) or TimedOut, and the output; the run command's
// provisioningState is Succeeded once it ran, whatever the exit
// (treatFailureAsDeploymentFailure false)
// (https://learn.microsoft.com/rest/api/hybridcompute/machine-run-commands/create-or-update?view=rest-hybridcompute-2025-01-13).
// A disconnected machine fails the operation.

// healthRunPrefix starts the names of the checks' run commands.
const healthRunPrefix = "fleetpatch-health-"

// arcCheck is the operation of a check's run command.
func (s *Server) arcCheck(fleetID, script string, timeout time.Duration) opFunc {
	inst, _ := s.fleet.Instance(fleetID)
	return func(ctx context.Context) (any, *armError) {
		res, aerr := s.runCheck(ctx, inst, script, timeout)
		if aerr != nil {
			return nil, aerr
		}
		return res, nil
	}
}

// checkView fills a finished check's instanceView from the operation's
// result and returns the run command's provisioningState.
func checkView(view map[string]any, result any, aerr *armError, timeout time.Duration) string {
	res, _ := result.(fleet.CommandResult)
	switch {
	case aerr != nil:
		view["executionState"], view["error"] = "Failed", aerr.Message
		return "Failed"
	case strings.HasPrefix(res.Error, "command timed out"):
		view["executionState"], view["error"] = "TimedOut", "The script timed out after "+timeout.String()+"."
	case res.Error != "":
		view["executionState"], view["error"] = "Failed", res.Error
	case res.ExitCode == 0:
		view["executionState"], view["exitCode"], view["output"], view["error"] = "Succeeded", 0, res.Output, ""
	default:
		view["executionState"], view["exitCode"], view["output"], view["error"] = "Failed", res.ExitCode, res.Output, ""
	}
	return "Succeeded"
}

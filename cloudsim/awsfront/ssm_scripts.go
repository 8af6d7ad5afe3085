package awsfront

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// The script documents of SSM Run Command that the health gates send:
// AWS-RunShellScript (Linux) and AWS-RunPowerShellScript (Windows), with
// the parameters "commands" (the script's lines), "executionTimeout"
// (seconds, 1 to 172800, default 3600) and "workingDirectory"
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html#aws-runShellScript).
// The emulator "runs" a script with the fleet's RunCommand: each instance
// ends with the exit code and output the fleet's SetCommandResult gave it
// (exit 0 by default). Script commands, and those of customer documents
// (ssm_documents.go), share SendCommand (sendAnyCommand below),
// ListCommandInvocations and CancelCommand (see findCommand) with
// AWS-RunPatchBaseline but are kept apart from the patch commands, in
// Server.scripts: ListCommands does not list them.
const (
	runShellScript      = "AWS-RunShellScript"
	runPowerShellScript = "AWS-RunPowerShellScript"

	defaultExecutionTimeout = 3600
	maxExecutionTimeout     = 172800
	detailInvalidPlatform   = "InvalidPlatform"
)

// scriptPlugins names each script document's plugin, as CommandPlugins
// report it.
var scriptPlugins = map[string]string{runShellScript: "aws:runShellScript", runPowerShellScript: "aws:runPowerShellScript"}

// sendAnyCommand sends a script document (AWS-RunShellScript,
// AWS-RunPowerShellScript) to sendScript, a customer document of
// Options.Documents to sendDocument and every other document (the patch
// baseline, or one that does not exist) to sendCommand.
func (s *Server) sendAnyCommand(c *ssmCall) (any, *apiError) {
	var in struct {
		DocumentName string `json:"DocumentName"`
	}
	_ = json.Unmarshal(c.body, &in)
	switch {
	case scriptPlugins[in.DocumentName] != "":
		return s.sendScript(c)
	case slices.Contains(s.opts.Documents, in.DocumentName):
		return s.sendDocument(c)
	}
	return s.sendCommand(c)
}

// sendScript starts a script document on at most 50 instances of the
// caller's account and region
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html).
// The call log's Operation is the document's name.
func (s *Server) sendScript(c *ssmCall) (any, *apiError) {
	in, insts, exec, e := s.readRun(c)
	if e != nil {
		return nil, e
	}
	if strings.TrimSpace(strings.Join(in.Parameters["commands"], "")) == "" {
		return nil, errorf("InvalidParameters", http.StatusBadRequest, "Parameter \"commands\" is required.")
	}
	return s.launch(c, in, in.DocumentName, insts, s.scripts, func(ctx context.Context, cmd *command) { s.runScript(ctx, cmd, exec) }), nil
}

// readRun reads and checks a SendCommand of a document other than the
// patch baseline (a script or customer document): its instances (see
// commandInstances), its executionTimeout parameter and its delivery
// timeout. The call log gets the document's name as the Operation, and
// the parameters.
func (s *Server) readRun(c *ssmCall) (sendCommandInput, []fleet.Instance, time.Duration, *apiError) {
	var in sendCommandInput
	if e := c.decode(&in); e != nil {
		return in, nil, 0, e
	}
	c.instances, c.ids, c.timeoutSeconds, c.operation, c.params = len(in.InstanceIDs), in.InstanceIDs, in.TimeoutSeconds, in.DocumentName, in.Parameters
	insts, e := s.commandInstances(c, in)
	if e != nil {
		return in, nil, 0, e
	}
	exec, e := executionTimeout(in.Parameters["executionTimeout"])
	if e != nil {
		return in, nil, 0, e
	}
	if e := checkTimeoutSeconds(in.TimeoutSeconds); e != nil {
		return in, nil, 0, e
	}
	return in, insts, exec, nil
}

// executionTimeout reads the executionTimeout parameter: whole seconds
// from 1 to 172800, 3600 when not given.
func executionTimeout(v []string) (time.Duration, *apiError) {
	if len(v) == 0 || v[0] == "" {
		return defaultExecutionTimeout * time.Second, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 1 || n > maxExecutionTimeout {
		return 0, errorf("InvalidParameters", http.StatusBadRequest,
			"Parameter \"executionTimeout\" %q must be a whole number of seconds from 1 to %d.", v[0], maxExecutionTimeout)
	}
	return time.Duration(n) * time.Second, nil
}

// runScript runs the command on the fleet (an instance rebooting runs it
// once back, see deliver). A Windows instance given AWS-RunShellScript,
// or a Linux one given AWS-RunPowerShellScript, fails InvalidPlatform.
// When the command is cancelled, the unfinished invocations end
// Cancelled.
func (s *Server) runScript(ctx context.Context, cmd *command, exec time.Duration) {
	windowsDoc := cmd.doc == runPowerShellScript
	script := strings.Join(cmd.params["commands"], "\n")
	s.deliver(ctx, cmd, func(ids []string) error {
		var run []string
		for _, id := range ids {
			if (cmd.platforms[id] == "Windows") != windowsDoc {
				s.finishScript(cmd, id, statusFailed, detailInvalidPlatform, -1,
					fmt.Sprintf("The document %s is not supported on the platform %s of the managed node.", cmd.doc, cmd.platforms[id]))
				continue
			}
			run = append(run, id)
		}
		req := fleet.CommandRequest{InstanceIDs: run, Timeout: exec, Name: cmd.comment}
		if windowsDoc {
			req.Windows = script
		} else {
			req.Linux = script
		}
		return s.runOnFleet(ctx, cmd, req)
	})
}

// runOnFleet runs the request with the fleet's RunCommand and ends each
// instance's invocation with its result (see reportScript); instances
// the fleet had not finished when the command was cancelled are left to
// deliver, which ends them Cancelled.
func (s *Server) runOnFleet(ctx context.Context, cmd *command, req fleet.CommandRequest) error {
	if len(req.InstanceIDs) == 0 {
		return nil
	}
	res, err := s.fleet.RunCommand(ctx, req, nil)
	for _, r := range res {
		if ctx.Err() != nil && strings.HasPrefix(r.Error, "command cancelled") {
			continue // deliver ends it Cancelled
		}
		s.reportScript(cmd, r)
	}
	return err
}

// reportScript ends an instance's invocation with the fleet's result: a
// zero exit is Success, another Failed with the exit code as the
// ResponseCode and the agent's "failed to run commands: exit status N"
// line; a command not delivered or timed out ends TimedOut.
func (s *Server) reportScript(cmd *command, r fleet.CommandResult) {
	switch {
	case strings.Contains(r.Error, "not delivered"):
		s.finishScript(cmd, r.InstanceID, statusTimedOut, detailDeliveryTimedOut, -1, r.Error)
	case strings.HasPrefix(r.Error, "command timed out"):
		s.finishScript(cmd, r.InstanceID, statusTimedOut, detailExecTimedOut, -1,
			"Command execution timed out: "+r.Error)
	case r.Error != "":
		s.finishScript(cmd, r.InstanceID, statusFailed, statusFailed, -1, r.Error)
	case r.ExitCode == 0:
		s.finishScript(cmd, r.InstanceID, statusSuccess, statusSuccess, 0, r.Output)
	default:
		out := r.Output
		if out != "" && !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		s.finishScript(cmd, r.InstanceID, statusFailed, statusFailed, r.ExitCode,
			out+"failed to run commands: exit status "+strconv.Itoa(r.ExitCode))
	}
}

// finishScript ends one instance's invocation with its response code.
func (s *Server) finishScript(cmd *command, id, status, details string, code int, output string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv := cmd.inv[id]
	if inv.status != statusInProgress {
		return
	}
	inv.status, inv.details, inv.output, inv.end, inv.code = status, details, truncate(output), s.fleet.Now(), code
}

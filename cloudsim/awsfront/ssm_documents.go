package awsfront

import (
	"context"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Customer documents (Options.Documents) are Command documents the
// emulator pretends an account made with CreateDocument, such as a hook's
// drain script. It does not know their content: it models each as a
// schema 2.2 document of one step per platform, chosen by the step's
// precondition on platformType, as cross-platform documents are written
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-schemas-features.html).
// A step's name is its author's choice, and CommandPlugins report steps
// by name (GetCommandInvocation's PluginName,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html);
// the emulator's steps take the names of the actions they would run:
// runShellScript on Linux, runPowerShellScript on Windows.
const (
	customerStepLinux   = "runShellScript"
	customerStepWindows = "runPowerShellScript"
)

// customerStep is the step of a customer document that runs on the
// platform.
func customerStep(platform string) string {
	if platform == "Windows" {
		return customerStepWindows
	}
	return customerStepLinux
}

// sendDocument starts a customer document on at most 50 instances of the
// caller's account and region, with any parameters (the emulator does
// not know which the document declares): an "executionTimeout" one, as
// documents copied from AWS-RunShellScript have, bounds the run as it
// does the script documents', else the scripts' default of 3600 seconds
// (the emulator has no step timeouts to read). The call log's Operation
// is the document's name and its Parameters the parameters sent.
func (s *Server) sendDocument(c *ssmCall) (any, *apiError) {
	in, insts, exec, e := s.readRun(c)
	if e != nil {
		return nil, e
	}
	return s.launch(c, in, in.DocumentName, insts, s.scripts, func(ctx context.Context, cmd *command) { s.runDocument(ctx, cmd, exec) }), nil
}

// runDocument runs a customer document on the fleet as a command
// request naming the document and its parameters, on every platform: the
// fleet's per-name outcomes (the request's Name is the command's
// Comment) and command journal apply as they do to scripts. Invocations
// end as the script documents' do (reportScript).
func (s *Server) runDocument(ctx context.Context, cmd *command, exec time.Duration) {
	s.deliver(ctx, cmd, func(ids []string) error {
		return s.runOnFleet(ctx, cmd, fleet.CommandRequest{InstanceIDs: ids, Timeout: exec, Name: cmd.comment,
			Document: cmd.doc, Parameters: cmd.params})
	})
}

package aws

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.HealthProber = (*Provider)(nil)

// The health gates' and hooks' commands run through SSM Run Command with
// AWS's own script documents: AWS-RunShellScript on Linux nodes,
// AWS-RunPowerShellScript on Windows nodes, each with the parameters
// "commands" (the script's lines) and "executionTimeout" (seconds, 1 to
// 172800; the agent stops the script then and the invocation ends
// TimedOut)
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html#aws-runShellScript,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html);
// or, for a request naming a Document (a hook's), with that document and
// the request's Parameters on every node whatever its OS (the document's
// steps choose by platform). The exit code is a plugin's ResponseCode in
// ListCommandInvocations with Details, and Output the plugins' output
// (the first 2,500 characters of each)
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CommandPlugin.html).
const (
	runShellScript      = "AWS-RunShellScript"
	runPowerShellScript = "AWS-RunPowerShellScript"
	// maxExecutionTimeout is the documents' longest executionTimeout.
	maxExecutionTimeout = 172800 * time.Second
	// defaultCheckTimeout bounds a check whose request has no timeout.
	defaultCheckTimeout = 10 * time.Minute
	// stoppedWaiting is the status detail giveUp gives an invocation that
	// had not ended when the wait did.
	stoppedWaiting = "fleetpatch stopped waiting"
)

// RunCommand runs the request's command on at most 50 managed nodes: per
// account and region of the batch, one SendCommand of AWS-RunShellScript
// to its Linux nodes and one of AWS-RunPowerShellScript to its Windows
// nodes, or one of the request's Document to all of them, whose
// invocations it waits for (the wait of Scan and Install, see wait) until
// the request's timeout, bounded by ctx's deadline. A node that ran the
// command to its end has its exit code and output; one the command did
// not reach (agent offline: DeliveryTimedOut), where it ran out of time
// (TimedOut, or still running at the timeout: then it is cancelled), that
// is not a managed node in a target account, or whose account and region
// refused the Document (InvalidDocument: it does not exist there;
// InvalidParameters: it does not take the Parameters) carries an error,
// so that a hook's onFailure decides per instance. A retry of the call
// runs the command again (checks are read-only; hooks must be idempotent).
// Errors no retry can fix (a denied ssm:SendCommand, an AssumeRole
// refused) fail the call with fleet.ErrPermanent.
func (p *Provider) RunCommand(ctx context.Context, req fleet.CommandRequest, progress fleet.Progress) ([]fleet.CommandResult, error) {
	if len(req.InstanceIDs) > fleet.MaxBatch {
		return nil, fmt.Errorf("aws: run command on %d instances: %w", len(req.InstanceIDs), fleet.ErrTooManyInstances)
	}
	groups, missing, err := p.locate(ctx, req.InstanceIDs)
	if err != nil {
		return nil, err
	}
	deadline := checkDeadline(ctx, req.Timeout, p.cfg.PollInterval)
	pc := &progressCounter{total: len(req.InstanceIDs), report: progress}
	pc.add(len(missing))
	var mu sync.Mutex
	results := map[string]fleet.CommandResult{}
	err = eachGroup(groups, func(g group) error {
		res, err := p.commandGroup(ctx, g, req, deadline, pc)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range res {
			results[r.InstanceID] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]fleet.CommandResult, len(req.InstanceIDs))
	for i, id := range req.InstanceIDs {
		r, ok := results[id]
		if !ok {
			r = fleet.CommandResult{InstanceID: id, Error: missing[id]}
		}
		out[i] = r
	}
	return out, nil
}

// checkDeadline is when the wait for a check's invocations ends: the
// request's timeout from now, but early enough before ctx's deadline that
// cancelling the command and reading its last state still fit (a tenth of
// the time left, at least two polls, at most cancelSettle).
func checkDeadline(ctx context.Context, timeout, poll time.Duration) time.Time {
	if timeout <= 0 {
		timeout = defaultCheckTimeout
	}
	now := time.Now()
	deadline := now.Add(timeout)
	if d, ok := ctx.Deadline(); ok {
		margin := min(max(d.Sub(now)/10, 2*poll), cancelSettle)
		if limit := d.Add(-margin); limit.Before(deadline) {
			deadline = limit
		}
	}
	return deadline
}

// commandGroup runs the check on the nodes of one account and region.
func (p *Provider) commandGroup(ctx context.Context, g group, req fleet.CommandRequest, deadline time.Time, pc *progressCounter) ([]fleet.CommandResult, error) {
	if err := g.credentials(ctx); err != nil {
		if errors.Is(err, fleet.ErrPermanent) {
			return nil, err
		}
		out := make([]fleet.CommandResult, len(g.ids))
		for i, id := range g.ids {
			out[i] = fleet.CommandResult{InstanceID: id, Error: err.Error()}
		}
		pc.add(len(g.ids))
		return out, nil
	}
	if req.Document != "" {
		return p.runDocument(ctx, g, req, deadline, pc)
	}
	var linux, windows []string
	for _, id := range g.ids {
		if p.nodeInfo(id).inst.OS.IsWindows() {
			windows = append(windows, id)
		} else {
			linux = append(linux, id)
		}
	}
	var out []fleet.CommandResult
	for _, part := range []struct {
		ids            []string
		doc, script, k string
	}{{linux, runShellScript, req.Linux, "shell script"}, {windows, runPowerShellScript, req.Windows, "PowerShell script"}} {
		if len(part.ids) == 0 {
			continue
		}
		if part.script == "" {
			for _, id := range part.ids {
				out = append(out, fleet.CommandResult{InstanceID: id,
					Error: "command not sent: the check has no " + part.k + " for this " + string(p.nodeInfo(id).inst.OS) + " node"})
			}
			pc.add(len(part.ids))
			continue
		}
		res, err := p.runScript(ctx, group{clientSet: g.clientSet, ids: part.ids}, part.doc, part.script, req, deadline, pc)
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
	}
	return out, nil
}

// runScript sends one script document to the nodes (all of one OS, in
// one account and region) and reads how it ended on each.
func (p *Provider) runScript(ctx context.Context, g group, doc, script string, req fleet.CommandRequest, deadline time.Time, pc *progressCounter) ([]fleet.CommandResult, error) {
	exec := min(max(time.Until(deadline).Round(time.Second), time.Second), maxExecutionTimeout)
	id, err := send(ctx, g, doc, map[string][]string{
		"commands":         strings.Split(strings.TrimRight(script, "\n"), "\n"),
		"executionTimeout": {strconv.Itoa(int(exec / time.Second))},
	}, req.Name, deadline)
	if err != nil {
		return nil, wrapErr("SendCommand "+doc+" in "+g.String(), err)
	}
	return p.readResults(ctx, g, id, doc, deadline, pc)
}

// runDocument sends the request's Document with its Parameters to the
// nodes of one account and region, whatever their OS, and reads how it
// ended on each. A document that account and region refuse
// (InvalidDocument, InvalidParameters) is an error on each node.
func (p *Provider) runDocument(ctx context.Context, g group, req fleet.CommandRequest, deadline time.Time, pc *progressCounter) ([]fleet.CommandResult, error) {
	what := "SendCommand " + req.Document + " in " + g.String()
	id, err := send(ctx, g, req.Document, req.Parameters, req.Name, deadline)
	if code := apiCode(err); code == "InvalidDocument" || code == "InvalidParameters" {
		res := make([]fleet.CommandResult, len(g.ids))
		for i, iid := range g.ids {
			res[i] = fleet.CommandResult{InstanceID: iid, Error: "command not sent: " + permanent(what, err).Error()}
		}
		pc.add(len(g.ids))
		return res, nil
	}
	if err != nil {
		return nil, wrapErr(what, err)
	}
	return p.readResults(ctx, g, id, req.Document, deadline, pc)
}

// send sends the document with the parameters to the nodes (one account
// and region), named by commandComment(name), and returns the command's
// ID; its delivery timeout is the time left until the deadline (at least
// minDeliveryTimeout).
func send(ctx context.Context, g group, doc string, params map[string][]string, name string, deadline time.Time) (string, error) {
	delivery := max(time.Until(deadline), minDeliveryTimeout)
	out, err := g.ssm.SendCommand(ctx, &ssm.SendCommandInput{
		DocumentName: aws.String(doc), InstanceIds: g.ids, Parameters: params,
		Comment:        aws.String(commandComment(name)),
		TimeoutSeconds: aws.Int32(int32(min(delivery, maxDeliveryTimeout) / time.Second)),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.Command.CommandId), nil
}

// readResults waits for the command's invocations until the deadline and
// reads how it ended on each node.
func (p *Provider) readResults(ctx context.Context, g group, id, doc string, deadline time.Time, pc *progressCounter) ([]fleet.CommandResult, error) {
	timeout := time.Until(deadline)
	ended, err := p.wait(ctx, g, id, pc, deadline)
	if err != nil {
		return nil, err
	}
	codes, err := p.responseCodes(ctx, g, id)
	if err != nil {
		return nil, err
	}
	res := make([]fleet.CommandResult, len(g.ids))
	for i, iid := range g.ids {
		res[i] = commandResult(iid, doc, ended[iid], codes[iid], timeout)
	}
	return res, nil
}

// commandComment is the Comment of a command (at most 100 characters):
// the request's Name, so that the command history (and the emulator's
// fleet journal, which takes it as the command's name) names the check
// or hook as the activities do ("fleetpatch-health-gate",
// "fleetpatch-hook-preInstall-drain"); "fleetpatch health check" for a
// request without one.
func commandComment(name string) string {
	if name == "" {
		name = commentPrefix + "health check"
	}
	if len(name) > maxComment {
		name = name[:maxComment]
	}
	return name
}

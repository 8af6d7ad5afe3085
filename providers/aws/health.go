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
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.HealthProber = (*Provider)(nil)

// The health gates' commands run through SSM Run Command with AWS's own
// script documents: AWS-RunShellScript on Linux nodes, AWS-RunPowerShellScript
// on Windows nodes, each with the parameters "commands" (the script's
// lines) and "executionTimeout" (seconds, 1 to 172800; the agent stops the
// script then and the invocation ends TimedOut)
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html#aws-runShellScript,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html).
// The exit code is the plugin's ResponseCode in ListCommandInvocations
// with Details, and Output its output (the first 2,500 characters)
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

// RunCommand runs the request's check on at most 50 managed nodes: per
// account and region of the batch, one SendCommand of AWS-RunShellScript
// to its Linux nodes and one of AWS-RunPowerShellScript to its Windows
// nodes, whose invocations it waits for (the wait of Scan and Install,
// see wait) until the request's timeout, bounded by ctx's deadline. A
// node that ran the script to its end has its exit code and output; one
// the command did not reach (agent offline: DeliveryTimedOut), where it
// ran out of time (TimedOut, or still running at the timeout: then it is
// cancelled) or that is not a managed node in a target account carries an
// error. A health check is read-only, so a retry of the call simply runs
// it again. Errors no retry can fix (a denied ssm:SendCommand, an
// AssumeRole refused) fail the call with fleet.ErrPermanent.
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
	timeout := time.Until(deadline)
	exec := min(max(timeout.Round(time.Second), time.Second), maxExecutionTimeout)
	delivery := max(timeout, minDeliveryTimeout)
	out, err := g.ssm.SendCommand(ctx, &ssm.SendCommandInput{
		DocumentName: aws.String(doc), InstanceIds: g.ids,
		Parameters: map[string][]string{
			"commands":         strings.Split(strings.TrimRight(script, "\n"), "\n"),
			"executionTimeout": {strconv.Itoa(int(exec / time.Second))},
		},
		Comment:        aws.String(healthComment(req.Name)),
		TimeoutSeconds: aws.Int32(int32(min(delivery, maxDeliveryTimeout) / time.Second)),
	})
	if err != nil {
		return nil, wrapErr("SendCommand "+doc+" in "+g.String(), err)
	}
	id := aws.ToString(out.Command.CommandId)
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

// healthComment is the Comment of a check's command (at most 100
// characters): "fleetpatch health <name>".
func healthComment(name string) string {
	if name == "" {
		name = "check"
	}
	c := commentPrefix + "health " + name
	if len(c) > maxComment {
		c = c[:maxComment]
	}
	return c
}

// responseCode is a plugin's ResponseCode, when the invocation has one.
type responseCode struct {
	code int
	ok   bool
}

// responseCodes reads the ResponseCode of every invocation's plugin
// (ListCommandInvocations with Details, paginated).
func (p *Provider) responseCodes(ctx context.Context, g group, id string) (map[string]responseCode, error) {
	out := map[string]responseCode{}
	pages := ssm.NewListCommandInvocationsPaginator(g.ssm, &ssm.ListCommandInvocationsInput{
		CommandId: aws.String(id), Details: true, MaxResults: aws.Int32(50),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, wrapErr("ListCommandInvocations in "+g.String(), err)
		}
		for _, inv := range page.CommandInvocations {
			// The documents have one plugin (aws:runShellScript or
			// aws:runPowerShellScript); its ResponseCode is the exit code.
			for _, pl := range inv.CommandPlugins {
				out[aws.ToString(inv.InstanceId)] = responseCode{code: int(pl.ResponseCode), ok: true}
			}
		}
	}
	return out, nil
}

// commandResult maps how an invocation ended to the node's result: the
// script ran to its end when the invocation is Success, or Failed with
// details Failed (a non-zero exit); then the ResponseCode is its exit
// code. Anything else (DeliveryTimedOut, ExecutionTimedOut, Cancelled,
// Undeliverable, still running at the deadline) is an error.
func commandResult(id, doc string, o outcome, rc responseCode, timeout time.Duration) fleet.CommandResult {
	r := fleet.CommandResult{InstanceID: id, Output: tail(o.output)}
	ran := o.status == types.CommandInvocationStatusSuccess ||
		(o.status == types.CommandInvocationStatusFailed && (o.details == "" || o.details == string(types.CommandInvocationStatusFailed)))
	switch {
	case ran && rc.ok:
		r.ExitCode = rc.code
	case ran:
		r.Error = doc + " " + string(o.status) + " without a response code"
	case o.details == stoppedWaiting:
		r.Output = ""
		r.Error = "command timed out: still running after " + timeout.Round(time.Second).String() + " (cancelled)"
	case o.details == detailDeliveryTimedOut || o.status == "Undeliverable":
		r.Error = "command not delivered: " + o.describeScript(doc)
	case o.details == detailExecutionTimedOut:
		r.Error = "command timed out: " + o.describeScript(doc)
	default:
		r.Error = o.describeScript(doc)
	}
	return r
}

// Invocation status details of a command that did not run to its end
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html).
const (
	detailDeliveryTimedOut  = "DeliveryTimedOut"
	detailExecutionTimedOut = "ExecutionTimedOut"
)

// describeScript explains an invocation of a script document.
func (o outcome) describeScript(doc string) string {
	s := fmt.Sprintf("%s %s (%s)", doc, o.status, o.details)
	if o.output != "" {
		s += ": " + tail(o.output)
	}
	return s
}

// maxOutput is how much of a command's output a result keeps: its end.
const maxOutput = 1000

// tail keeps the end of an output.
func tail(s string) string {
	if len(s) <= maxOutput {
		return s
	}
	return "…" + s[len(s)-maxOutput:]
}

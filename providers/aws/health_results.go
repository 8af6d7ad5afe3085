package aws

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/fleetpatch/fleetpatch/fleet"
)

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
			// The script documents have one plugin (aws:runShellScript or
			// aws:runPowerShellScript), whose ResponseCode is the exit
			// code; a customer document may have several steps: the
			// first that failed (a non-zero code) gives it.
			iid := aws.ToString(inv.InstanceId)
			for _, pl := range inv.CommandPlugins {
				if rc, seen := out[iid]; !seen || rc.code == 0 {
					out[iid] = responseCode{code: int(pl.ResponseCode), ok: true}
				}
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

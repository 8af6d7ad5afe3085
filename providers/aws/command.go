package aws

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// runPatchBaseline is the SSM document the provider runs
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-aws-runpatchbaseline.html).
const runPatchBaseline = "AWS-RunPatchBaseline"

// outcome is how a command ended on one instance.
type outcome struct {
	status  types.CommandInvocationStatus
	details string
	output  string
}

// ok reports whether the document ran to the end (Success, or Failed
// with per-patch failures).
func (o outcome) ran() bool {
	return o.status == types.CommandInvocationStatusSuccess || o.status == types.CommandInvocationStatusFailed ||
		(o.status == types.CommandInvocationStatusTimedOut && o.details == "ExecutionTimedOut")
}

// describe explains an outcome that is not a success.
func (o outcome) describe() string {
	s := fmt.Sprintf("AWS-RunPatchBaseline %s (%s)", o.status, o.details)
	if o.output != "" {
		s += ": " + o.output
	}
	return s
}

// terminal reports whether an invocation status is final.
func terminal(s types.CommandInvocationStatus) bool {
	switch s {
	case types.CommandInvocationStatusSuccess, types.CommandInvocationStatusFailed,
		types.CommandInvocationStatusTimedOut, types.CommandInvocationStatusCancelled:
		return true
	}
	return false
}

// progressCounter adds the instances finished in every group of a call
// and reports the sum.
type progressCounter struct {
	done   atomic.Int64
	total  int
	report func(done, total int)
}

func (pc *progressCounter) add(n int) {
	if pc == nil {
		return
	}
	d := pc.done.Add(int64(n))
	if pc.report != nil {
		pc.report(int(d), pc.total)
	}
}

// runCommand sends AWS-RunPatchBaseline to the group's instances (at most
// 50, all in one account and region) and waits for every invocation to
// end (see wait). Callers go through runOnce, which first looks for the
// same command sent by an earlier attempt.
func (p *Provider) runCommand(ctx context.Context, g group, params map[string][]string, comment string, pc *progressCounter) (map[string]outcome, error) {
	out, err := g.ssm.SendCommand(ctx, &ssm.SendCommandInput{
		DocumentName: aws.String(runPatchBaseline), InstanceIds: g.ids, Parameters: params,
		Comment: aws.String(comment), TimeoutSeconds: aws.Int32(600),
	})
	if err != nil {
		return nil, wrapErr("SendCommand in "+g.String(), err)
	}
	return p.wait(ctx, g, aws.ToString(out.Command.CommandId), pc)
}

// wait polls a command until the invocations of all the group's instances
// ended, reporting progress on every poll so that the activity heartbeats.
// A command still running after Config.CommandTimeout is cancelled and
// its unfinished instances reported TimedOut.
func (p *Provider) wait(ctx context.Context, g group, id string, pc *progressCounter) (map[string]outcome, error) {
	deadline := time.Now().Add(p.cfg.CommandTimeout)
	reported := 0
	for {
		res, err := p.invocations(ctx, g, id)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, iid := range g.ids {
			if terminal(res[iid].status) {
				n++
			}
		}
		pc.add(n - reported)
		reported = n
		if n == len(g.ids) {
			return res, nil
		}
		if time.Now().After(deadline) {
			return p.giveUp(ctx, g, id, res), nil
		}
		if err := sleep(ctx, p.cfg.PollInterval); err != nil {
			return nil, err
		}
	}
}

// invocations reads every invocation of a command (ListCommandInvocations
// with Details, paginated). Right after SendCommand the list may be empty
// or the call may answer InvocationDoesNotExist: both mean "not yet".
func (p *Provider) invocations(ctx context.Context, g group, id string) (map[string]outcome, error) {
	res := map[string]outcome{}
	pages := ssm.NewListCommandInvocationsPaginator(g.ssm, &ssm.ListCommandInvocationsInput{
		CommandId: aws.String(id), Details: true, MaxResults: aws.Int32(50),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if apiCode(err) == "InvocationDoesNotExist" {
			return map[string]outcome{}, nil
		}
		if err != nil {
			return nil, wrapErr("ListCommandInvocations in "+g.String(), err)
		}
		for _, inv := range page.CommandInvocations {
			o := outcome{status: inv.Status, details: aws.ToString(inv.StatusDetails)}
			for _, pl := range inv.CommandPlugins {
				o.output += aws.ToString(pl.Output)
			}
			res[aws.ToString(inv.InstanceId)] = o
		}
	}
	return res, nil
}

// giveUp cancels a command that ran too long and reports its unfinished
// instances as timed out.
func (p *Provider) giveUp(ctx context.Context, g group, id string, res map[string]outcome) map[string]outcome {
	_, _ = g.ssm.CancelCommand(ctx, &ssm.CancelCommandInput{CommandId: aws.String(id)})
	for _, iid := range g.ids {
		if o := res[iid]; !terminal(o.status) {
			res[iid] = outcome{status: types.CommandInvocationStatusTimedOut, details: "fleetpatch stopped waiting",
				output: fmt.Sprintf("command %s did not finish within %s and was cancelled", id, p.cfg.CommandTimeout)}
		}
	}
	return res
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

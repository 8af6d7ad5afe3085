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
// end (see wait). Callers go through runOnce or resume, which first look
// for the same command sent by an earlier attempt.
//
// An install is sent only before the window's cutoff, with a delivery
// timeout (TimeoutSeconds) that ends at the cutoff, so that an instance
// the command has not reached by then never starts it (see
// deliveryTimeout); past the cutoff nothing is sent and the error wraps
// fleet.ErrWindowClosed.
func (p *Provider) runCommand(ctx context.Context, g group, b batchCommand, comment string, pc *progressCounter) (map[string]outcome, error) {
	timeout, ok := deliveryTimeout(b.cutoff, time.Now())
	if !ok {
		return nil, windowClosed(g, b.cutoff)
	}
	out, err := g.ssm.SendCommand(ctx, &ssm.SendCommandInput{
		DocumentName: aws.String(runPatchBaseline), InstanceIds: g.ids, Parameters: b.params,
		Comment: aws.String(comment), TimeoutSeconds: aws.Int32(timeout),
	})
	if err != nil {
		return nil, wrapErr("SendCommand in "+g.String(), err)
	}
	return p.wait(ctx, g, aws.ToString(out.Command.CommandId), pc, b.deadline)
}

// wait polls a command until the invocations of all the group's instances
// ended, reporting progress on every poll so that the activity heartbeats.
// A command still running at the window's end (deadline; without one,
// Config.CommandTimeout after the wait began) is cancelled and its
// unfinished instances reported stopped (see giveUp). The deadline is the
// request's, the same in every attempt of the call.
func (p *Provider) wait(ctx context.Context, g group, id string, pc *progressCounter, deadline time.Time) (map[string]outcome, error) {
	until, why := p.waitLimit(deadline)
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
		if !time.Now().Before(until) {
			res, err = p.giveUp(ctx, g, id, res, "command "+id+" "+why)
			if err == nil {
				pc.add(len(g.ids) - reported)
			}
			return res, err
		}
		if err := sleep(ctx, min(p.cfg.PollInterval, max(time.Until(until), time.Millisecond))); err != nil {
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

// cancelSettle bounds how long giveUp reads a cancelled command's
// invocations until they end: CancelCommand only asks SSM to stop the
// command, and invocations finish or turn Cancelled shortly after
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CancelCommand.html).
const cancelSettle = 2 * time.Minute

// giveUp cancels a command that ran too long (CancelCommand), reads its
// invocations until they have ended (at most cancelSettle), and reports
// each instance it had not finished on as stopped, with the reason why,
// unless it finished meanwhile (then it ran, and its result stands).
func (p *Provider) giveUp(ctx context.Context, g group, id string, res map[string]outcome, why string) (map[string]outcome, error) {
	stopped := map[string]bool{}
	for _, iid := range g.ids {
		stopped[iid] = !terminal(res[iid].status)
	}
	if _, err := g.ssm.CancelCommand(ctx, &ssm.CancelCommandInput{CommandId: aws.String(id)}); err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	for settle := time.Now().Add(cancelSettle); time.Now().Before(settle) && !allTerminal(res, g.ids); {
		if err := sleep(ctx, p.cfg.PollInterval); err != nil {
			return nil, err
		}
		now, err := p.invocations(ctx, g, id)
		if err != nil {
			break // the instances not ended yet are reported stopped
		}
		res = now
	}
	for iid, s := range stopped {
		if o := res[iid]; s && !(terminal(o.status) && o.ran()) {
			res[iid] = outcome{status: types.CommandInvocationStatusTimedOut, details: "fleetpatch stopped waiting", output: why}
		}
	}
	return res, nil
}

// allTerminal reports whether every instance's invocation has ended.
func allTerminal(res map[string]outcome, ids []string) bool {
	for _, iid := range ids {
		if !terminal(res[iid].status) {
			return false
		}
	}
	return true
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

package aws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// A call of Scan or Install is retried, by Temporal, on another worker when
// its worker dies; the retry must not send AWS-RunPatchBaseline again while
// the first command may still run (two installs fight for the package
// manager's lock, and one may reboot the node under the other). The only
// state is in AWS: every command carries a Comment naming its batch, and
// before sending, the provider lists the recent AWS-RunPatchBaseline
// commands of the account and region (ListCommands) and resumes its own.

// commentPrefix starts the Comment of every command the provider sends.
const commentPrefix = "fleetpatch "

// maxComment is SendCommand's limit on Comment
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html:
// "Length Constraints: Maximum length of 100").
const maxComment = 100

// batchCommand is the command that one call sends to each of its groups.
type batchCommand struct {
	// params are the document's parameters; Operation and SnapshotId are
	// part of the batch's identity.
	params map[string][]string
	// cycle is the install's cycle ID ("" for scans).
	cycle string
	// key names the call (see callKey).
	key string
	// reuseFinished allows a finished command of an earlier attempt to
	// stand for this call: always for installs (the SnapshotId ties them
	// to the cycle), for scans only when the call is known (an earlier
	// scan of the same instances is stale otherwise).
	reuseFinished bool
	// deadline is the window's end: the wait for the command ends there
	// (zero: Config.CommandTimeout). cutoff is the last moment a command
	// may be sent (zero: any time; see cutoffOf and runCommand).
	deadline, cutoff time.Time
}

func (b batchCommand) param(name string) string {
	if v := b.params[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// comment is the Comment of the command to the instances, the same in
// every process and attempt of the call: "fleetpatch <cycle> install
// <hash>" or "fleetpatch scan <hash>", the hash covering the operation,
// the SnapshotId, the call's key and the sorted instance IDs.
func (b batchCommand) comment(ids []string) string {
	op := strings.ToLower(b.param("Operation"))
	h := sha256.New()
	for _, s := range append([]string{op, b.param("SnapshotId"), b.key}, sortedIDs(ids)...) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	tail := " " + op + " " + hex.EncodeToString(h.Sum(nil)[:8])
	cycle := b.cycle
	if room := maxComment - len(commentPrefix) - len(tail) - 1; len(cycle) > room {
		cycle = cycle[:max(room, 0)]
	}
	if cycle == "" {
		return strings.TrimSpace(commentPrefix) + tail
	}
	return commentPrefix + cycle + tail
}

func sortedIDs(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	return out
}

// runOnce runs the command on the group's instances unless an earlier
// attempt of the call already did (see resume).
func (p *Provider) runOnce(ctx context.Context, g group, b batchCommand, pc *progressCounter) (map[string]outcome, error) {
	cmds, err := p.recentCommands(ctx, g)
	if err != nil {
		return nil, err
	}
	return p.resume(ctx, g, b, cmds, pc)
}

// started reports whether an earlier attempt of the call sent its command
// to the instances, which a call may resume (and watch to its end) after
// the window's cutoff.
func started(cmds []types.Command, ids []string, b batchCommand) bool {
	own, _ := pick(cmds, ids, b, b.comment(ids))
	return own != nil && (b.reuseFinished || !finished(own.Status))
}

// resume decides from the recent commands what the call does:
//   - its own command (same Comment, Operation, SnapshotId and instances;
//     the newest if several) is still Pending or InProgress: it waits for
//     that command and returns its results;
//   - its own command finished: its invocations are what happened, except
//     on the instances where it ended Cancelled or TimedOut, which get a
//     new command (itself resumed the same way on a later attempt);
//   - no own command, but one of another call for the same batch still
//     runs: it lets that one end first, then sends its own;
//   - otherwise it sends the command.
//
// Past the window's cutoff it sends nothing (runCommand refuses): its own
// command is still watched to its end, the instances that would have got
// a new one keep their Cancelled or TimedOut outcome, and a call with no
// own command fails with fleet.ErrWindowClosed.
func (p *Provider) resume(ctx context.Context, g group, b batchCommand, cmds []types.Command, pc *progressCounter) (map[string]outcome, error) {
	comment := b.comment(g.ids)
	own, other := pick(cmds, g.ids, b, comment)
	if own == nil || (finished(own.Status) && !b.reuseFinished) {
		if _, ok := deliveryTimeout(b.cutoff, time.Now()); !ok {
			return nil, windowClosed(g, b.cutoff)
		}
		if other != nil {
			if _, err := p.wait(ctx, g, aws.ToString(other.CommandId), nil, b.deadline); err != nil {
				return nil, err
			}
		}
		return p.runCommand(ctx, g, b, comment, pc)
	}
	res, err := p.wait(ctx, g, aws.ToString(own.CommandId), pc, b.deadline)
	if err != nil || !finished(own.Status) {
		return res, err
	}
	var redo []string
	for _, id := range g.ids {
		if s := res[id].status; s == types.CommandInvocationStatusCancelled || s == types.CommandInvocationStatusTimedOut {
			redo = append(redo, id)
		}
	}
	if len(redo) == 0 {
		return res, nil
	}
	pc.add(-len(redo))
	sub := group{clientSet: g.clientSet, ids: redo}
	var again map[string]outcome
	if len(redo) == len(g.ids) {
		again, err = p.runCommand(ctx, sub, b, comment, pc)
	} else {
		again, err = p.resume(ctx, sub, b, cmds, pc)
	}
	if errors.Is(err, fleet.ErrWindowClosed) {
		pc.add(len(redo))
		for _, id := range redo {
			o := res[id]
			o.output = strings.TrimSpace(o.output + " (not sent again: the window's cutoff has passed)")
			res[id] = o
		}
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	for id, o := range again {
		res[id] = o
	}
	return res, nil
}

// pick returns the newest of the call's own commands to the instances and
// one unfinished command of another call to the same batch.
func pick(cmds []types.Command, ids []string, b batchCommand, comment string) (own, other *types.Command) {
	for i := range cmds {
		c := &cmds[i]
		if !sameBatch(c, ids, b) {
			continue
		}
		if aws.ToString(c.Comment) != comment {
			if !finished(c.Status) {
				other = c
			}
			continue
		}
		// Ties keep the first: ListCommands lists the newest first.
		if own == nil || aws.ToTime(c.RequestedDateTime).After(aws.ToTime(own.RequestedDateTime)) {
			own = c
		}
	}
	return own, other
}

// sameBatch reports whether a command is the provider's AWS-RunPatchBaseline
// with the batch's Operation and SnapshotId on exactly the instances.
func sameBatch(c *types.Command, ids []string, b batchCommand) bool {
	if aws.ToString(c.DocumentName) != runPatchBaseline || !strings.HasPrefix(aws.ToString(c.Comment), commentPrefix) ||
		len(c.InstanceIds) != len(ids) {
		return false
	}
	for _, name := range []string{"Operation", "SnapshotId"} {
		var v string
		if l := c.Parameters[name]; len(l) > 0 {
			v = l[0]
		}
		if v != b.param(name) {
			return false
		}
	}
	want, got := sortedIDs(ids), sortedIDs(c.InstanceIds)
	for i := range want {
		if want[i] != got[i] {
			return false
		}
	}
	return true
}

// finished reports whether a command's status is final
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html).
func finished(s types.CommandStatus) bool {
	switch s {
	case types.CommandStatusSuccess, types.CommandStatusFailed, types.CommandStatusTimedOut, types.CommandStatusCancelled:
		return true
	}
	return false
}

// recentCommands lists the AWS-RunPatchBaseline commands of the group's
// account and region sent within Config.CommandLookback: ListCommands,
// paginated, with the documented filter keys DocumentName and InvokedAfter
// (a timestamp such as 2024-07-07T00:00:00Z)
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListCommands.html,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_CommandFilter.html).
// Statuses are checked here rather than with the Status filter, which takes
// one status per call.
func (p *Provider) recentCommands(ctx context.Context, g group) ([]types.Command, error) {
	after := time.Now().Add(-p.cfg.CommandLookback).UTC().Format(time.RFC3339)
	pages := ssm.NewListCommandsPaginator(g.ssm, &ssm.ListCommandsInput{
		MaxResults: aws.Int32(50),
		Filters: []types.CommandFilter{
			{Key: types.CommandFilterKeyDocumentName, Value: aws.String(runPatchBaseline)},
			{Key: types.CommandFilterKeyInvokedAfter, Value: aws.String(after)},
		},
	})
	var out []types.Command
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, wrapErr("ListCommands in "+g.String(), err)
		}
		out = append(out, page.Commands...)
	}
	return out, nil
}

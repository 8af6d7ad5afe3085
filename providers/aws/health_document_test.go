package aws_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// drainDocument is the customer document the emulator's accounts have.
const drainDocument = "Acme-DrainFromTargetGroup"

// documentEnv is healthEnv whose accounts have drainDocument.
func documentEnv(t *testing.T) *env {
	return newEnv(t, 120, cloudsim.NewVirtualClock(time.Now().UTC()),
		awsfront.Options{PageSize: 4, Documents: []string{drainDocument}}, nil)
}

// mixedPair returns a Linux and a Windows EC2 node of one account and
// region.
func mixedPair(t *testing.T, e *env) (linux, windows fleet.Instance) {
	for _, w := range e.fleet.Instances() {
		if w.Cloud != fleet.CloudAWS || !w.OS.IsWindows() {
			continue
		}
		for _, l := range e.fleet.Instances() {
			if l.Cloud == fleet.CloudAWS && !l.OS.IsWindows() && l.Account == w.Account && l.Region == w.Region {
				return l, w
			}
		}
	}
	t.Fatal("no account and region with a Linux and a Windows node")
	return
}

func TestRunCommandSendsTheHookDocumentToEveryOS(t *testing.T) {
	e := documentEnv(t)
	linux, windows := mixedPair(t, e)
	const name = "fleetpatch-hook-preInstall-drain"
	e.fleet.SetNamedCommandOutcome(linux.ID, name, cloudsim.CommandOutcome{ExitCode: 2, Output: "target group busy"})
	params := map[string][]string{"targetGroupArn": {"arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/web/0123"}, "waitSeconds": {"30"}}
	ids := []string{windows.ID, linux.ID}
	res, err := e.prov.RunCommand(context.Background(), fleet.CommandRequest{InstanceIDs: ids, Document: drainDocument, Parameters: params,
		Linux: "not-run-on-aws", Timeout: time.Minute, Name: name}, nil)
	require.NoError(t, err)
	assert.Equal(t, fleet.CommandResult{InstanceID: windows.ID}, res[0], "the Windows node runs the document too")
	assert.Equal(t, linux.ID, res[1].InstanceID)
	assert.Empty(t, res[1].Error)
	assert.Equal(t, 2, res[1].ExitCode, "the step's ResponseCode")
	assert.Contains(t, res[1].Output, "target group busy")

	for _, id := range ids {
		runs := e.fleet.Commands(id)
		require.Len(t, runs, 1, id)
		assert.Equal(t, name, runs[0].Name, "the fleet records the hook's name, as through providers/sim")
		assert.Equal(t, "document "+drainDocument, runs[0].Script)
	}
	var sends []awsfront.Call
	for _, c := range e.front.Calls() {
		if c.Op == "SendCommand" {
			sends = append(sends, c)
		}
	}
	require.Len(t, sends, 1, "one SendCommand for both OSes")
	assert.Empty(t, sends[0].Error)
	assert.Equal(t, drainDocument, sends[0].Operation)
	assert.ElementsMatch(t, ids, sends[0].IDs)
	assert.Equal(t, params, sends[0].Parameters, "the request's parameters, nothing added")
}

func TestRunCommandOfAnUnknownDocumentFailsEachInstance(t *testing.T) {
	e := documentEnv(t)
	linux, windows := mixedPair(t, e)
	ids := []string{linux.ID, windows.ID}
	res, err := e.prov.RunCommand(context.Background(), fleet.CommandRequest{InstanceIDs: ids, Document: "Acme-NoSuchDocument",
		Timeout: time.Minute, Name: "fleetpatch-hook-preInstall-drain"}, nil)
	require.NoError(t, err, "a per-instance error, so that the hook's onFailure decides")
	for i, r := range res {
		assert.Equal(t, ids[i], r.InstanceID)
		assert.Contains(t, r.Error, "command not sent: aws: SendCommand Acme-NoSuchDocument in ")
		assert.Contains(t, r.Error, "InvalidDocument")
		assert.Empty(t, e.fleet.Commands(r.InstanceID), "nothing ran")
	}
	calls := e.front.Calls()
	last := calls[len(calls)-1]
	assert.Equal(t, "SendCommand", last.Op)
	assert.Equal(t, "InvalidDocument", last.Error)
}

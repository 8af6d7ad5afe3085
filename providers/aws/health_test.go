package aws_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

// healthEnv is newEnv on a virtual clock (commands take simulated time
// only) whose provider reaches CloudWatch at the emulator too: the SDK's
// CloudWatch client takes the base configuration's BaseEndpoint.
func healthEnv(t *testing.T, n int) *env {
	return newEnv(t, n, cloudsim.NewVirtualClock(time.Now().UTC()), awsfrontOpts(), func(c *awsprov.Config) {
		c.Base.BaseEndpoint = aws.String(c.Endpoints.SSM)
	})
}

// awsNodes returns up to n AWS instances of the OS kind, in different
// accounts and regions where possible.
func awsNodes(e *env, windows bool, n int) []fleet.Instance {
	var out []fleet.Instance
	seen := map[string]bool{}
	for pass := 0; pass < 2 && len(out) < n; pass++ {
		for _, in := range e.fleet.Instances() {
			place := in.Account + "/" + in.Region
			if in.Cloud != fleet.CloudAWS || in.OS.IsWindows() != windows || len(out) == n || (pass == 0 && seen[place]) || contains(out, in.ID) {
				continue
			}
			seen[place] = true
			out = append(out, in)
		}
	}
	return out
}

func contains(list []fleet.Instance, id string) bool {
	for _, in := range list {
		if in.ID == id {
			return true
		}
	}
	return false
}

func TestRunCommandThroughSSMRunCommand(t *testing.T) {
	e := healthEnv(t, 120)
	ctx := context.Background()
	linux, windows := awsNodes(e, false, 4), awsNodes(e, true, 1)
	require.Len(t, linux, 4)
	require.Len(t, windows, 1, "the fleet has a Windows node")
	ok, failing, offline, rebooting := linux[0].ID, linux[1].ID, linux[2].ID, linux[3].ID
	e.fleet.SetCommandResult(failing, 3, "nginx: inactive")
	e.fleet.SetFaults(cloudsim.Faults{OfflineInstances: []string{offline}})
	require.NoError(t, e.fleet.Reboot([]string{rebooting}))
	ids := []string{ok, failing, offline, rebooting}
	for _, w := range windows {
		ids = append(ids, w.ID)
	}
	script := "systemctl is-active nginx\ncurl -fsS http://localhost/healthz"
	res, err := e.prov.RunCommand(ctx, fleet.CommandRequest{InstanceIDs: ids, Linux: script,
		Windows: "Get-Service W3SVC | Where-Object Status -eq Running", Timeout: 2 * time.Minute, Name: "fleetpatch-health-gate"}, nil)
	require.NoError(t, err)
	require.Len(t, res, len(ids))
	for i, r := range res {
		assert.Equal(t, ids[i], r.InstanceID, "results in request order")
	}
	assert.Equal(t, fleet.CommandResult{InstanceID: ok}, res[0])
	assert.Empty(t, res[1].Error)
	assert.Equal(t, 3, res[1].ExitCode, "the exit code is the plugin's ResponseCode")
	assert.Contains(t, res[1].Output, "nginx: inactive")
	assert.Contains(t, res[1].Output, "exit status 3")
	assert.Contains(t, res[2].Error, "command not delivered")
	assert.Contains(t, res[2].Error, "DeliveryTimedOut")
	assert.Equal(t, fleet.CommandResult{InstanceID: rebooting}, res[3], "a rebooting node runs it once back")
	run, found := e.fleet.LastCommand(ok)
	require.True(t, found)
	assert.Equal(t, script, run.Script, "the script's lines arrive as the commands parameter")
	assert.Equal(t, "fleetpatch-health-gate", run.Name, "the command's Comment is the request's name")
	if len(windows) > 0 {
		assert.Equal(t, fleet.CommandResult{InstanceID: windows[0].ID}, res[4])
		run, _ = e.fleet.LastCommand(windows[0].ID)
		assert.Equal(t, "Get-Service W3SVC | Where-Object Status -eq Running", run.Script)
	}

	places := map[string]bool{}
	docs := map[string]int{}
	for _, c := range e.front.Calls() {
		if c.Op == "SendCommand" {
			require.Empty(t, c.Error)
			require.LessOrEqual(t, c.Instances, fleet.MaxBatch)
			places[c.Account+"/"+c.Region+"/"+c.Operation] = true
			docs[c.Operation]++
		}
	}
	assert.Len(t, places, docs["AWS-RunShellScript"]+docs["AWS-RunPowerShellScript"], "one command per account, region and document")
	assert.Greater(t, docs["AWS-RunShellScript"], 1, "the Linux nodes span accounts and regions")
	assert.Equal(t, len(windows), docs["AWS-RunPowerShellScript"])
}

func TestRunCommandTimeoutsMissingScriptsAndUnknownNodes(t *testing.T) {
	e := healthEnv(t, 120)
	ctx := context.Background()
	linux := awsNodes(e, false, 1)
	windows := awsNodes(e, true, 1)
	require.Len(t, windows, 1, "the fleet has a Windows node")
	e.fleet.SetCommandOutcome(linux[0].ID, cloudsim.CommandOutcome{Duration: time.Hour})
	ids := []string{linux[0].ID, "i-0123456789abcdef0"}
	if len(windows) > 0 {
		ids = append(ids, windows[0].ID)
	}
	res, err := e.prov.RunCommand(ctx, fleet.CommandRequest{InstanceIDs: ids, Linux: "sleep 7200", Timeout: time.Minute}, nil)
	require.NoError(t, err)
	assert.Contains(t, res[0].Error, "command timed out")
	assert.Contains(t, res[1].Error, "InvalidInstanceId")
	if len(windows) > 0 {
		assert.Contains(t, res[2].Error, "no PowerShell script")
	}
	for _, c := range e.front.Calls() {
		if c.Op == "SendCommand" {
			assert.Equal(t, "AWS-RunShellScript", c.Operation, "nothing is sent to a node without a script")
		}
	}

	_, err = e.prov.RunCommand(ctx, fleet.CommandRequest{InstanceIDs: make([]string, fleet.MaxBatch+1), Linux: "true"}, nil)
	assert.ErrorIs(t, err, fleet.ErrTooManyInstances)
}

func TestRunCommandDeniedIsPermanent(t *testing.T) {
	e := healthEnv(t, 60)
	n := awsNodes(e, false, 1)[0]
	e.front.DenyAction(n.Account, "ssm:SendCommand", "no identity-based policy allows the ssm:SendCommand action")
	_, err := e.prov.RunCommand(context.Background(), fleet.CommandRequest{InstanceIDs: []string{n.ID}, Linux: "true", Timeout: time.Minute}, nil)
	require.ErrorIs(t, err, fleet.ErrPermanent)
	assert.Contains(t, err.Error(), "denied action ssm:SendCommand")
}

func TestAlarmStatesThroughCloudWatchDescribeAlarms(t *testing.T) {
	e := healthEnv(t, 20)
	ctx := context.Background()
	acct, region := cloudsim.DefaultAWSAccounts[1], cloudsim.DefaultAWSRegions[0]
	gate := fleet.Alarm{Cloud: fleet.CloudAWS, Account: acct, Region: region, Name: "shop-5xx-rate"}

	_, err := e.prov.AlarmStates(ctx, []fleet.Alarm{gate})
	require.ErrorIs(t, err, fleet.ErrPermanent, "a missing alarm is an error, not a healthy gate")
	assert.Contains(t, err.Error(), `CloudWatch alarm "shop-5xx-rate" not found in account `+acct+" region "+region)

	e.fleet.SetAlarm(fleet.CloudAWS, acct, region, gate.Name, false, "Threshold Crossed: 1 datapoint [0.2] was not greater than the threshold (5.0).")
	st, err := e.prov.AlarmStates(ctx, []fleet.Alarm{gate})
	require.NoError(t, err)
	assert.Equal(t, fleet.AlarmState{Alarm: gate, State: "OK", Reason: "Threshold Crossed: 1 datapoint [0.2] was not greater than the threshold (5.0)."}, st[0])

	e.fleet.SetAlarm(fleet.CloudAWS, acct, region, gate.Name, true, "Threshold Crossed: 3 datapoints were greater than the threshold (5.0).")
	st, err = e.prov.AlarmStates(ctx, []fleet.Alarm{gate})
	require.NoError(t, err)
	assert.True(t, st[0].Firing)
	assert.Equal(t, "ALARM", st[0].State)

	var seen bool
	for _, c := range e.front.Calls() {
		if c.Service == "monitoring" {
			assert.Equal(t, "DescribeAlarms", c.Op)
			assert.Equal(t, acct, c.Account, "read with the account's assumed role")
			assert.Equal(t, region, c.Region)
			seen = true
		}
	}
	assert.True(t, seen)

	// The same name in another region is another alarm.
	_, err = e.prov.AlarmStates(ctx, []fleet.Alarm{{Cloud: fleet.CloudAWS, Account: acct, Region: cloudsim.DefaultAWSRegions[1], Name: gate.Name}})
	assert.ErrorIs(t, err, fleet.ErrPermanent)
}

func TestAlarmStatesPaginateAndGroupByAccountAndRegion(t *testing.T) {
	e := healthEnv(t, 20)
	var alarms []fleet.Alarm
	for i := range 9 {
		a := fleet.Alarm{Cloud: fleet.CloudAWS, Account: cloudsim.DefaultAWSAccounts[i%2], Region: "us-east-1", Name: fmt.Sprintf("alarm-%02d", i)}
		e.fleet.SetAlarm(a.Cloud, a.Account, a.Region, a.Name, i == 7, "")
		alarms = append(alarms, a)
	}
	e.front.ResetCalls()
	st, err := e.prov.AlarmStates(context.Background(), alarms)
	require.NoError(t, err)
	require.Len(t, st, 9)
	for i, s := range st {
		assert.Equal(t, alarms[i], s.Alarm)
		assert.Equal(t, i == 7, s.Firing, s.Alarm.Name)
	}
	pages := map[string]int{}
	for _, c := range e.front.Calls() {
		if c.Op == "DescribeAlarms" {
			pages[c.Account]++
		}
	}
	assert.Len(t, pages, 2, "one DescribeAlarms per account and region")
	assert.Equal(t, 2, pages[cloudsim.DefaultAWSAccounts[0]], "5 alarms take 2 pages of 4")
}

func TestAlarmStatesDeniedIsPermanent(t *testing.T) {
	e := healthEnv(t, 20)
	acct := cloudsim.DefaultAWSAccounts[0]
	e.fleet.SetAlarm(fleet.CloudAWS, acct, "eu-west-1", "cpu", false, "")
	e.front.DenyAction(acct, "cloudwatch:DescribeAlarms", "no identity-based policy allows the cloudwatch:DescribeAlarms action")
	_, err := e.prov.AlarmStates(context.Background(), []fleet.Alarm{{Cloud: fleet.CloudAWS, Account: acct, Region: "eu-west-1", Name: "cpu"}})
	require.ErrorIs(t, err, fleet.ErrPermanent)
	assert.Contains(t, err.Error(), "denied action cloudwatch:DescribeAlarms")
	assert.Contains(t, err.Error(), "account "+acct)
}

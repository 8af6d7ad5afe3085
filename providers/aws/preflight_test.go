package aws_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

// findings returns check -> blocks of a result.
func findings(p fleet.Preflight) map[string]bool {
	out := map[string]bool{}
	for _, f := range p.Findings {
		out[f.Check] = f.Blocks
	}
	return out
}

// detail returns the detail of a result's finding of a check.
func detail(p fleet.Preflight, check string) string {
	for _, f := range p.Findings {
		if f.Check == check {
			return f.Detail
		}
	}
	return ""
}

// split returns the fleet's EC2 instances and hybrid nodes.
func (e *env) split() (ec2IDs, hybrid []string) {
	for _, in := range e.fleet.Instances() {
		if strings.HasPrefix(in.ID, "mi-") {
			hybrid = append(hybrid, in.ID)
		} else {
			ec2IDs = append(ec2IDs, in.ID)
		}
	}
	return ec2IDs, hybrid
}

func TestPreflightFindsEachDriftThroughSSMAndEC2(t *testing.T) {
	e := newEnv(t, 200, nil, awsfrontOpts(), nil)
	ec2IDs, hybrid := e.split()
	require.GreaterOrEqual(t, len(ec2IDs), 6)
	require.GreaterOrEqual(t, len(hybrid), 2)
	e.fleet.SetDrift(ec2IDs[2], cloudsim.Drift{AgentVersion: "2.3.1319.0"})
	e.fleet.SetDrift(ec2IDs[3], cloudsim.Drift{AgentVersion: "2.0.700.0"})
	e.fleet.SetDrift(ec2IDs[4], cloudsim.Drift{Stopped: true})
	// A stopped instance's agent is gone too; the stop is the finding.
	e.fleet.SetFaults(cloudsim.Faults{OfflineInstances: []string{ec2IDs[1], hybrid[1], ec2IDs[4]}})
	e.fleet.SetDrift(ec2IDs[5], cloudsim.Drift{NoInstanceProfile: true})
	e.fleet.SetDrift(hybrid[0], cloudsim.Drift{NoInstanceProfile: true})

	ids := []string{ec2IDs[0], ec2IDs[1], ec2IDs[2], ec2IDs[3], ec2IDs[4], ec2IDs[5], hybrid[0], hybrid[1], "i-0123456789abcdef0"}
	res, err := e.prov.Preflight(context.Background(), ids)
	require.NoError(t, err)
	require.Len(t, res, len(ids))
	want := []map[string]bool{
		{},
		{fleet.DriftAgentOffline: true},
		{fleet.DriftAgentOld: false},
		{fleet.DriftAgentOld: true},
		{fleet.DriftStopped: true},
		{fleet.DriftNoProfile: true},
		{},
		{fleet.DriftAgentOffline: true},
		{fleet.DriftUnknownInstance: true},
	}
	for i, w := range want {
		assert.Equal(t, ids[i], res[i].InstanceID, "in the request's order")
		assert.Equal(t, w, findings(res[i]), "%d %s: %+v", i, ids[i], res[i].Findings)
	}
	assert.Equal(t, cloudsim.DefaultSSMAgentVersion, res[0].AgentVersion, "from DescribeInstanceInformation")
	assert.Equal(t, "2.3.1319.0", res[2].AgentVersion)
	assert.Contains(t, detail(res[2], fleet.DriftAgentOld), "not the latest", "IsLatestVersion false")
	assert.Contains(t, detail(res[3], fleet.DriftAgentOld), "2.0.834.0")
	assert.Contains(t, detail(res[4], fleet.DriftStopped), "User initiated shutdown", "EC2's StateReason")
	assert.Contains(t, detail(res[5], fleet.DriftNoProfile), "Default Host Management Configuration")
	assert.Contains(t, detail(res[1], fleet.DriftAgentOffline), "ConnectionLost")
	assert.False(t, res[2].Blocked())
	assert.True(t, res[5].Blocked())

	// One SSM and one EC2 read per account and region of the batch (the
	// hybrid nodes' places need no EC2 read).
	places := map[string]bool{}
	for _, in := range e.fleet.Instances() {
		for _, id := range ids[:8] {
			if in.ID == id {
				places[in.Account+"|"+in.Region] = true
			}
		}
	}
	ec2Calls := 0
	for _, c := range e.front.Calls() {
		if c.Service == "ec2" {
			ec2Calls++
			assert.Equal(t, "DescribeInstances", c.Op)
			assert.Empty(t, c.Error)
		}
	}
	assert.LessOrEqual(t, ec2Calls, len(places))
	assert.Positive(t, ec2Calls)
}

func TestPreflightMinimumAgentIsConfigurable(t *testing.T) {
	e := newEnv(t, 40, nil, awsfrontOpts(), func(c *awsprov.Config) { c.MinAgentVersion = "3.10" })
	ec2IDs, _ := e.split()
	res, err := e.prov.Preflight(context.Background(), ec2IDs[:1])
	require.NoError(t, err)
	assert.Equal(t, map[string]bool{fleet.DriftAgentOld: false}, findings(res[0]), "3.3.1142.0 is below 3.10")
	assert.Contains(t, detail(res[0], fleet.DriftAgentOld), "minimum 3.10")
}

func TestPreflightWithoutDescribeInstancesWarns(t *testing.T) {
	e := newEnv(t, 200, nil, awsfrontOpts(), nil)
	ec2IDs, hybrid := e.split()
	acct := ""
	for _, in := range e.fleet.Instances() {
		if in.ID == ec2IDs[0] {
			acct = in.Account
		}
	}
	var same []string
	for _, in := range e.fleet.Instances() {
		if in.Account == acct && !strings.HasPrefix(in.ID, "mi-") && len(same) < 2 {
			same = append(same, in.ID)
		}
	}
	e.fleet.SetDrift(same[1], cloudsim.Drift{AgentVersion: "2.3.1319.0", NoInstanceProfile: true})
	e.front.DenyAction(acct, "ec2:DescribeInstances", "no identity-based policy allows the ec2:DescribeInstances action")

	res, err := e.prov.Preflight(context.Background(), []string{same[0], same[1], hybrid[0]})
	require.NoError(t, err, "a denied EC2 read is a finding, not an error")
	assert.Equal(t, map[string]bool{fleet.DriftCheckFailed: false}, findings(res[0]))
	assert.Contains(t, detail(res[0], fleet.DriftCheckFailed), "ec2:DescribeInstances")
	assert.Equal(t, map[string]bool{fleet.DriftCheckFailed: false, fleet.DriftAgentOld: false}, findings(res[1]),
		"the SSM checks still run; the instance profile goes unchecked")
	assert.Empty(t, res[2].Findings, "hybrid nodes need no EC2 read")
}

func TestPreflightRefusesMoreThanMaxBatch(t *testing.T) {
	e := newEnv(t, 10, nil, awsfrontOpts(), nil)
	_, err := e.prov.Preflight(context.Background(), make([]string, fleet.MaxBatch+1))
	assert.ErrorIs(t, err, fleet.ErrTooManyInstances)
}

package aws

import (
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// DefaultMinAgentVersion is the SSM Agent version below which Preflight
// warns by default. Patch Manager itself needs 2.0.834.0 (see
// patchManagerMinAgent); 3.0, released in September 2020, replaced 2.x,
// which AWS deprecates and which misses the fixes of the releases since
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/ssm-agent-v3.html).
// An agent between the two still patches: a warning, not a block.
const DefaultMinAgentVersion = "3.0.0"

// patchManagerMinAgent is the oldest SSM Agent Patch Manager supports
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-prerequisites.html,
// "SSM Agent version"): an older agent blocks.
const patchManagerMinAgent = "2.0.834.0"

// checkNode turns what SSM and EC2 say of one node into findings:
//
//   - no InstanceInformation: not-found (blocks);
//   - an EC2 instance stopped or stopping: instance-stopped (blocks),
//     shutting-down or terminated, or not listed by EC2: not-found (blocks)
//     (InstanceState, https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html);
//   - otherwise PingStatus not Online: agent-offline (blocks) (a stopped
//     instance's agent is offline too; the stop is the finding);
//   - AgentVersion below patchManagerMinAgent: agent-outdated (blocks);
//     below Config.MinAgentVersion: agent-outdated (warning);
//   - an EC2 instance without IamInstanceProfile: no-instance-profile
//     (blocks): the agent then has no credentials unless the account uses
//     Default Host Management Configuration, which needs IMDSv2 and SSM
//     Agent 3.2.582.0 or later
//     (https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-profile.html,
//     https://docs.aws.amazon.com/systems-manager/latest/userguide/managed-instances-default-host-management.html);
//   - DescribeInstances denied: check-failed (warning) naming why.
func (p *Provider) checkNode(pl place, id string, info *types.InstanceInformation, inst *ec2types.Instance, ec2Denied string) fleet.Preflight {
	res := fleet.Preflight{InstanceID: id}
	if info == nil {
		return withFinding(res, fleet.DriftUnknownInstance, true, "InvalidInstanceId: "+id+" is no longer a managed node in "+pl.String())
	}
	res.AgentVersion = aws.ToString(info.AgentVersion)
	stopped := false
	if !strings.HasPrefix(id, "mi-") {
		switch {
		case ec2Denied != "":
			res = withFinding(res, fleet.DriftCheckFailed, false, "instance state and instance profile not checked: "+ec2Denied)
		case inst == nil:
			return withFinding(res, fleet.DriftUnknownInstance, true, "EC2 DescribeInstances does not list "+id+" in "+pl.String()+" (terminated?)")
		default:
			var gone bool
			res, stopped, gone = ec2Findings(res, inst)
			if gone {
				return res
			}
		}
	}
	if !stopped && info.PingStatus != types.PingStatusOnline {
		res = withFinding(res, fleet.DriftAgentOffline, true, "SSM Agent PingStatus is "+orUnknown(string(info.PingStatus))+
			" (last ping "+aws.ToTime(info.LastPingDateTime).UTC().Format(time.RFC3339)+"): the node cannot receive commands")
	}
	return p.agentVersionFinding(res, info)
}

// ec2Findings checks an EC2 instance's state and instance profile; gone
// reports an instance that is shutting down or terminated (not-found, and
// nothing else to check).
func ec2Findings(res fleet.Preflight, inst *ec2types.Instance) (out fleet.Preflight, stopped, gone bool) {
	state := ec2types.InstanceStateNameRunning
	if inst.State != nil {
		state = inst.State.Name
	}
	why := ""
	if inst.StateReason != nil && aws.ToString(inst.StateReason.Message) != "" {
		why = " (" + aws.ToString(inst.StateReason.Message) + ")"
	}
	switch state {
	case ec2types.InstanceStateNameShuttingDown, ec2types.InstanceStateNameTerminated:
		return withFinding(res, fleet.DriftUnknownInstance, true, "EC2 instance state is "+string(state)+why), false, true
	case ec2types.InstanceStateNameStopped, ec2types.InstanceStateNameStopping:
		res = withFinding(res, fleet.DriftStopped, true, "EC2 instance state is "+string(state)+why+": start it before the window")
		stopped = true
	}
	if inst.IamInstanceProfile == nil {
		res = withFinding(res, fleet.DriftNoProfile, true, "EC2 instance has no IAM instance profile, so SSM Agent has no credentials "+
			"unless the account uses Default Host Management Configuration: attach an instance profile whose role has "+
			"AmazonSSMManagedInstanceCore, or turn on Default Host Management Configuration (IMDSv2, SSM Agent 3.2.582.0 or later)")
	}
	return res, stopped, false
}

// agentVersionFinding compares the agent's version with Patch Manager's
// minimum (blocks) and Config.MinAgentVersion (warning).
func (p *Provider) agentVersionFinding(res fleet.Preflight, info *types.InstanceInformation) fleet.Preflight {
	v := res.AgentVersion
	if v == "" {
		return res
	}
	latest := ""
	if info.IsLatestVersion != nil && !*info.IsLatestVersion {
		latest = " (not the latest)"
	}
	fix := ": update it with the AWS-UpdateSSMAgent document"
	switch {
	case fleet.VersionBelow(v, patchManagerMinAgent):
		return withFinding(res, fleet.DriftAgentOld, true, "SSM Agent "+v+latest+" is older than "+patchManagerMinAgent+", the oldest Patch Manager supports"+fix)
	case fleet.VersionBelow(v, p.cfg.MinAgentVersion):
		return withFinding(res, fleet.DriftAgentOld, false, "SSM Agent "+v+latest+" is older than the minimum "+p.cfg.MinAgentVersion+fix)
	}
	return res
}

// withFinding appends a finding.
func withFinding(p fleet.Preflight, check string, blocks bool, detail string) fleet.Preflight {
	p.Findings = append(p.Findings, fleet.DriftFinding{Check: check, Detail: detail, Blocks: blocks})
	return p
}

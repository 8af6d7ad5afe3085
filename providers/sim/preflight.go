package sim

import (
	"context"
	"strings"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Preflighter = (*Provider)(nil)

// OpPreflight is Preflight in the call log.
const OpPreflight Operation = "Preflight"

// MinAgentVersion is the SSM Agent version below which Preflight warns,
// the AWS provider's default (providers/aws Config.MinAgentVersion).
const MinAgentVersion = "3.0.0"

// patchManagerAgent is the oldest SSM Agent Patch Manager supports
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-prerequisites.html):
// an older one blocks.
const patchManagerAgent = "2.0.834.0"

// Preflight checks at most fleet.MaxBatch simulated instances against the
// fleet's drift model (cloudsim.Fleet.Drift) and agent state, as the
// cloud providers check theirs: on AWS the agent offline, older than
// MinAgentVersion (a warning) or than Patch Manager's minimum, the
// instance stopped, an EC2 instance without an instance profile; on Azure
// the VM stopped, its agent not Ready, a patch mode other than
// AutomaticByPlatform with the bypass flag (a warning). Unknown IDs are
// not-found findings. A stopped instance gets no agent findings: the stop
// explains them.
func (p *Provider) Preflight(ctx context.Context, instanceIDs []string) ([]fleet.Preflight, error) {
	if err := p.checkBatch(OpPreflight, len(instanceIDs)); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		p.log(OpPreflight, len(instanceIDs), err)
		return nil, err
	}
	if err := p.pace(ctx, instanceIDs, azureRead); err != nil {
		return nil, err
	}
	out := make([]fleet.Preflight, len(instanceIDs))
	for i, id := range instanceIDs {
		out[i] = p.preflight(id)
	}
	p.log(OpPreflight, len(instanceIDs), nil)
	return out, nil
}

// preflight checks one instance.
func (p *Provider) preflight(id string) fleet.Preflight {
	res := fleet.Preflight{InstanceID: id}
	in, ok := p.fleet.Instance(id)
	if !ok {
		return withFinding(res, fleet.DriftUnknownInstance, true, "instance "+id+" is not in the simulated fleet")
	}
	d, _ := p.fleet.Drift(id)
	res.AgentVersion = d.AgentVersion
	if in.Cloud == fleet.CloudAzure {
		res.PatchMode = d.PatchMode
		return azurePreflight(res, in, d)
	}
	return awsPreflight(res, in, d)
}

// awsPreflight checks an EC2 instance or a hybrid node.
func awsPreflight(res fleet.Preflight, in fleet.Instance, d cloudsim.Drift) fleet.Preflight {
	if d.Stopped {
		res = withFinding(res, fleet.DriftStopped, true, "EC2 instance state is stopped: start it before the window")
	} else if in.Ping != fleet.PingOnline {
		res = withFinding(res, fleet.DriftAgentOffline, true, "SSM Agent PingStatus is "+string(in.Ping)+": "+in.Unreachable)
	}
	switch {
	case fleet.VersionBelow(d.AgentVersion, patchManagerAgent):
		res = withFinding(res, fleet.DriftAgentOld, true, "SSM Agent "+d.AgentVersion+" is older than "+patchManagerAgent+", the oldest Patch Manager supports: update it (AWS-UpdateSSMAgent)")
	case fleet.VersionBelow(d.AgentVersion, MinAgentVersion):
		res = withFinding(res, fleet.DriftAgentOld, false, "SSM Agent "+d.AgentVersion+" is older than the minimum "+MinAgentVersion+": update it (AWS-UpdateSSMAgent)")
	}
	if d.NoInstanceProfile && !strings.HasPrefix(in.ID, "mi-") {
		res = withFinding(res, fleet.DriftNoProfile, true, "EC2 instance has no IAM instance profile: attach one with AmazonSSMManagedInstanceCore, or turn on Default Host Management Configuration")
	}
	return res
}

// azurePreflight checks an Azure VM.
func azurePreflight(res fleet.Preflight, in fleet.Instance, d cloudsim.Drift) fleet.Preflight {
	if d.Stopped {
		res = withFinding(res, fleet.DriftStopped, true, "VM power state is PowerState/deallocated: start it before the window")
	} else if in.Ping != fleet.PingOnline {
		res = withFinding(res, fleet.DriftVMAgent, true, "VM agent is not Ready: "+in.Unreachable)
	}
	switch {
	case d.PatchMode != cloudsim.PatchModeAutomaticByPlatform:
		res = withFinding(res, fleet.DriftPatchMode, false, "patchMode is "+d.PatchMode+", not AutomaticByPlatform: installPatches still works, but Azure Update Manager's scheduled patching needs Customer Managed Schedules")
	case !d.BypassOnUserSchedule():
		res = withFinding(res, fleet.DriftPatchMode, false, "patchMode AutomaticByPlatform without bypassPlatformSafetyChecksOnUserSchedule: Azure's automatic guest patching may install updates outside our windows; set Customer Managed Schedules")
	}
	return res
}

// withFinding appends a finding.
func withFinding(p fleet.Preflight, check string, blocks bool, detail string) fleet.Preflight {
	p.Findings = append(p.Findings, fleet.DriftFinding{Check: check, Detail: detail, Blocks: blocks})
	return p
}

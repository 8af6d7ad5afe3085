package fleet

import "context"

// Preflighter is implemented by providers that can check, before an
// install window, what would keep each instance from being patched: the
// agent offline or older than the minimum, the instance stopped, on AWS
// no instance profile, on Azure a patch mode that does not let customer
// schedules patch (patchMode AutomaticByPlatform with
// bypassPlatformSafetyChecksOnUserSchedule) or the VM agent not ready.
// The activities type-assert a Provider to it.
type Preflighter interface {
	// Preflight checks at most MaxBatch instances and returns one result
	// per instance, in the request's order. A check that cannot be made
	// on one instance is a finding on it, not an error.
	Preflight(ctx context.Context, instanceIDs []string) ([]Preflight, error)
}

// Preflight is what the pre-flight check found on one instance.
type Preflight struct {
	InstanceID string `json:"instanceId"`
	// AgentVersion is the SSM agent's, or the Azure VM agent's, version.
	AgentVersion string `json:"agentVersion,omitempty"`
	// PatchMode is the Azure VM's patchSettings.patchMode.
	PatchMode string         `json:"patchMode,omitempty"`
	Findings  []DriftFinding `json:"findings,omitempty"`
}

// Blocked reports whether a finding blocks patching.
func (p Preflight) Blocked() bool {
	for _, f := range p.Findings {
		if f.Blocks {
			return true
		}
	}
	return false
}

// DriftFinding is one problem found on an instance. Check names it (one
// of the Drift constants); Blocks is true when the install cannot work
// until it is fixed, false for a warning.
type DriftFinding struct {
	Check  string `json:"check"`
	Detail string `json:"detail"`
	Blocks bool   `json:"blocks"`
}

// Pre-flight checks.
const (
	DriftAgentOffline    = "agent-offline"
	DriftAgentOld        = "agent-outdated"
	DriftStopped         = "instance-stopped"
	DriftNoProfile       = "no-instance-profile"
	DriftPatchMode       = "azure-patch-mode"
	DriftVMAgent         = "azure-vm-agent"
	DriftPendingReboot   = "pending-reboot"
	DriftUnknownInstance = "not-found"
	// DriftCheckFailed is a check the provider could not make (such as
	// EC2 DescribeInstances denied to its role): a warning naming what
	// was not checked and why.
	DriftCheckFailed = "check-failed"
)

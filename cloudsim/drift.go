package cloudsim

import (
	"strings"
	"sync"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// The drift model of a fleet: per-instance configuration that a pre-flight
// check looks at (fleet.Preflighter) and that the emulators show through
// the clouds' own APIs: the agent's version, a stopped instance, an EC2
// instance without an instance profile, an Azure VM's patch mode. Every
// instance is healthy unless SetDrift or SetDriftRate says otherwise. Like
// the health-gate state it is test and demo state: Save does not write it,
// and a loaded fleet starts without drift.
//
// Drift is reported, not enforced by the fleet itself: scans and installs
// still reach a stopped instance of the simulated fleet (the Azure
// emulator refuses actions on a stopped VM, as Azure does on a
// deallocated one).

// Default agent versions: what DescribeInstanceInformation shows as the
// SSM Agent's AgentVersion, the VM agent's vmAgentVersion of an Azure
// instanceView, and an Arc machine's agentVersion, on an instance without
// drift.
const (
	DefaultSSMAgentVersion = "3.3.1142.0"
	DefaultVMAgentVersion  = "2.10.0.8"
	DefaultArcAgentVersion = "1.46.02880.2070"
)

// Azure VM patch modes (osProfile.{linux,windows}Configuration.patchSettings.patchMode,
// https://learn.microsoft.com/rest/api/compute/virtual-machines/get#linuxvmguestpatchmode
// and #windowsvmguestpatchmode): ImageDefault (Linux) and Manual (Windows)
// leave patching to the image or the operator, AutomaticByOS (Windows)
// to Windows Update, AutomaticByPlatform to Azure.
const (
	PatchModeAutomaticByPlatform = "AutomaticByPlatform"
	PatchModeImageDefault        = "ImageDefault"
	PatchModeManual              = "Manual"
	PatchModeAutomaticByOS       = "AutomaticByOS"
)

// OutdatedSSMAgentVersion is the SSM Agent version SetDriftRate gives an
// instance with an outdated agent: a 2.x agent, above Patch Manager's
// minimum but older than the 3.x agents AWS has shipped since 2020.
const OutdatedSSMAgentVersion = "2.3.1319.0"

// Drift is one instance's configuration drift. The zero value is a healthy
// instance.
type Drift struct {
	// AgentVersion is the agent's version: the SSM Agent's on AWS, the VM
	// agent's on an Azure VM, the Connected Machine agent's on an Arc
	// machine. "" means the current one (the Default*AgentVersion).
	AgentVersion string `json:"agentVersion,omitempty"`
	// Stopped is an EC2 instance in state stopped, an Azure VM
	// deallocated (or an Arc machine that is off: Disconnected).
	Stopped bool `json:"stopped,omitempty"`
	// NoInstanceProfile is an EC2 instance launched without an IAM
	// instance profile (EC2 instances only: hybrid nodes have a service
	// role instead).
	NoInstanceProfile bool `json:"noInstanceProfile,omitempty"`
	// PatchMode is an Azure VM's patchSettings.patchMode; "" means
	// AutomaticByPlatform.
	PatchMode string `json:"patchMode,omitempty"`
	// NoBypass is an Azure VM in AutomaticByPlatform without
	// automaticByPlatformSettings.bypassPlatformSafetyChecksOnUserSchedule.
	NoBypass bool `json:"noBypass,omitempty"`
}

// BypassOnUserSchedule is what the VM shows as
// automaticByPlatformSettings.bypassPlatformSafetyChecksOnUserSchedule:
// true in AutomaticByPlatform unless NoBypass (only AutomaticByPlatform
// has those settings).
func (d Drift) BypassOnUserSchedule() bool {
	return d.PatchMode == PatchModeAutomaticByPlatform && !d.NoBypass
}

// driftState is one fleet's drift model; its zero value has no drift.
type driftState struct {
	mu   sync.Mutex
	set  map[string]Drift
	rate float64
}

// SetDrift sets the drift of one instance (the zero Drift makes it
// healthy again). It takes precedence over SetDriftRate.
func (f *Fleet) SetDrift(instanceID string, d Drift) {
	s := &f.drift
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set == nil {
		s.set = map[string]Drift{}
	}
	s.set[instanceID] = d
}

// SetDriftRate gives a deterministic share (0 to 1) of the instances that
// SetDrift did not name one kind of drift each, picked by hashing the
// fleet's seed with the instance ID: on AWS an outdated agent, a stopped
// instance or (EC2) no instance profile; on Azure a stopped VM, patch mode
// ImageDefault or Manual, or AutomaticByPlatform without the bypass flag.
// 0 turns it off.
func (f *Fleet) SetDriftRate(rate float64) {
	s := &f.drift
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rate = rate
}

// ClearDrift makes every instance healthy again, at once.
func (f *Fleet) ClearDrift() {
	s := &f.drift
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.set)
	s.rate = 0
}

// Drift returns an instance's drift as the clouds show it, defaults filled
// in: AgentVersion is never empty, and an Azure VM's PatchMode is never
// empty (an AWS instance's stays ""). ok is false for an unknown instance.
func (f *Fleet) Drift(instanceID string) (d Drift, ok bool) {
	m := f.byID[instanceID]
	if m == nil {
		return Drift{}, false
	}
	s := &f.drift
	s.mu.Lock()
	d, explicit := s.set[instanceID]
	rate := s.rate
	s.mu.Unlock()
	if !explicit && chance(rate, f.seed, "drift", instanceID) {
		d = scatteredDrift(m.static, hash64(f.seed, "drift-kind", instanceID))
	}
	return withDriftDefaults(m.static, d), true
}

// scatteredDrift is the kind of drift SetDriftRate gives an instance.
func scatteredDrift(in fleet.Instance, h uint64) Drift {
	if in.Cloud == fleet.CloudAzure {
		other := PatchModeImageDefault
		if in.OS.IsWindows() {
			other = PatchModeManual
		}
		return []Drift{{Stopped: true}, {PatchMode: other}, {PatchMode: PatchModeAutomaticByPlatform, NoBypass: true}}[h%3]
	}
	kinds := []Drift{{AgentVersion: OutdatedSSMAgentVersion}, {Stopped: true}}
	if !strings.HasPrefix(in.ID, "mi-") {
		kinds = append(kinds, Drift{NoInstanceProfile: true})
	}
	return kinds[h%uint64(len(kinds))]
}

// withDriftDefaults fills in what a healthy instance shows.
func withDriftDefaults(in fleet.Instance, d Drift) Drift {
	if in.Cloud != fleet.CloudAzure {
		d.PatchMode, d.NoBypass = "", false
		if d.AgentVersion == "" {
			d.AgentVersion = DefaultSSMAgentVersion
		}
		return d
	}
	d.NoInstanceProfile = false
	if d.AgentVersion == "" {
		d.AgentVersion = DefaultVMAgentVersion
	}
	if d.PatchMode == "" {
		d.PatchMode = PatchModeAutomaticByPlatform
	}
	return d
}

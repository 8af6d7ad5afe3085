package report

import (
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// SchemaVersion is the version of the JSON report schema.
const SchemaVersion = "fleetpatch.report/v1"

// Report is one run's report: the header and every instance.
type Report struct {
	Schema    string      `json:"schema"`
	Header    Header      `json:"header"`
	Instances []*Instance `json:"instances"`
}

// Header describes the run as a whole.
type Header struct {
	Group string `json:"group"`
	Cycle string `json:"cycle"`
	Retry int    `json:"retry,omitempty"`
	// Namespace and Run name the Temporal namespace and the first run ID of
	// the cycle's workflow, which signed approvals name.
	Namespace string `json:"namespace,omitempty"`
	Run       string `json:"run,omitempty"`
	Mode      string `json:"mode"`
	Status    string `json:"status"`
	// Failure is the error that stopped a failed run.
	Failure string `json:"failure,omitempty"`
	// Reason says why the run stopped where it did: a failed canary or
	// health gate, the closed window, the expired approval.
	Reason         string        `json:"reason,omitempty"`
	PolicyDigest   string        `json:"policyDigest"`
	Baselines      []BaselineRef `json:"baselines"`
	ManifestDigest string        `json:"manifestDigest,omitempty"`
	Approval       *Approval     `json:"approval,omitempty"`
	Phases         []PhaseTiming `json:"phases,omitempty"`
	// Counts is the number of instances per outcome.
	Counts map[Outcome]int `json:"counts"`
	// ByWave and ByOS break Counts down per rollout wave and per OS family
	// (see Summarize).
	ByWave      []WaveTally `json:"byWave,omitempty"`
	ByOS        []OSTally   `json:"byOS,omitempty"`
	GeneratedAt time.Time   `json:"generatedAt"`
}

// Tally counts instances per outcome.
type Tally struct {
	Total  int             `json:"total"`
	Counts map[Outcome]int `json:"counts"`
}

// add counts one instance.
func (t *Tally) add(o Outcome) {
	if t.Counts == nil {
		t.Counts = map[Outcome]int{}
	}
	t.Total++
	t.Counts[o]++
}

// WaveTally is the outcomes of one rollout wave. Wave 0 is the canary;
// instances that were in no wave are tallied with Planned false.
type WaveTally struct {
	Wave    int  `json:"wave"`
	Planned bool `json:"planned"`
	Tally
}

// OSTally is the outcomes of one OS family.
type OSTally struct {
	OS fleet.OSFamily `json:"os"`
	Tally
}

// BaselineRef names the baseline in force for one OS.
type BaselineRef struct {
	OS   fleet.OSFamily `json:"os"`
	Name string         `json:"name"`
}

// Approval records the decision on a cycle's manifest and the signed
// statements it rests on.
type Approval struct {
	// Decision is approved, rejected or expired.
	Decision string `json:"decision"`
	// By names the principals whose verified statements made the decision.
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at"`
	Digest string    `json:"digest,omitempty"`
	// Patches is the approved subset; empty with Decision approved means all.
	Patches []string `json:"patches,omitempty"`
	// Start is when the approved install may start: window or now.
	Start string `json:"start,omitempty"`
	// Expires is when the approval stops allowing new installs: the
	// earliest expiry of its statements.
	Expires time.Time `json:"expires,omitzero"`
	Comment string    `json:"comment,omitempty"`
	// Required is how many approvers had to sign.
	Required int `json:"required,omitempty"`
	// Signatures are the verified statements, in the order they arrived
	// (for an expired cycle: the approvals that did not reach the quorum).
	Signatures []Signature `json:"signatures,omitempty"`
}

// Signature is one verified, signed statement: enough to verify it again
// offline (starter verify-approval) with the approvers' public keys.
type Signature struct {
	Principal string `json:"principal"`
	Decision  string `json:"decision"`
	// KeyType and Fingerprint name the key that signed.
	KeyType     string `json:"keyType"`
	Fingerprint string `json:"fingerprint"`
	// Received is when the cycle accepted the statement (workflow time).
	Received time.Time `json:"received"`
	// Statement is the signed text; Signature the armored SSH signature.
	Statement string `json:"statement"`
	Signature string `json:"signature"`
}

// PhaseTiming is when a phase started and ended.
type PhaseTiming struct {
	Phase string    `json:"phase"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Instance is what happened to one instance.
type Instance struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Cloud     fleet.Cloud    `json:"cloud"`
	Account   string         `json:"account"`
	Region    string         `json:"region"`
	OS        fleet.OSFamily `json:"os"`
	OSVersion string         `json:"osVersion"`
	Outcome   Outcome        `json:"outcome"`
	Reason    string         `json:"reason,omitempty"`
	// Planned is true when the instance was in the rollout plan; Wave is
	// then its wave, 0 being the canary.
	Planned  bool      `json:"planned,omitempty"`
	Wave     int       `json:"wave,omitempty"`
	Reboot   Reboot    `json:"reboot"`
	Packages []Package `json:"packages,omitempty"`
	Missing  []Missing `json:"stillMissing,omitempty"`
	// Hooks are the group's hooks that ran on the instance, in order.
	Hooks []HookRun `json:"hooks,omitempty"`
	// Snapshots are the disk snapshots taken before the install.
	Snapshots []Snapshot `json:"snapshots,omitempty"`
	// Preflight are the pre-flight check's findings on the instance:
	// what would keep it from being patched, or should be looked at.
	Preflight []fleet.DriftFinding `json:"preflight,omitempty"`
	// Warnings say what the operator must look at even when the outcome
	// is fine, e.g. a post-install hook that failed after a pre-install
	// hook drained the instance.
	Warnings []string `json:"warnings,omitempty"`
	// Release is the Amazon Linux 2023 release version move before the
	// install (AL2023 instances of a group with al2023ReleaseVersion).
	Release *ReleaseChange `json:"release,omitempty"`
}

// ReleaseChange is an instance's release version before and after
// (equal when it was already there).
type ReleaseChange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// HookRun is how one hook ended on one instance: ExitCode is meaningful
// when Error is empty; Output is the tail of its output.
type HookRun struct {
	Stage    string `json:"stage"`
	Hook     string `json:"hook"`
	ExitCode int    `json:"exitCode"`
	Output   string `json:"output,omitempty"`
	Error    string `json:"error,omitempty"`
	// OnFailure is the hook's setting, recorded when it failed.
	OnFailure string `json:"onFailure,omitempty"`
}

// Failed reports whether the hook failed on the instance.
func (h HookRun) Failed() bool { return h.Error != "" || h.ExitCode != 0 }

// Snapshot is one disk snapshot taken before the install.
type Snapshot struct {
	ID      string    `json:"id"`
	Disk    string    `json:"disk"`
	Device  string    `json:"device,omitempty"`
	Expires time.Time `json:"expires,omitzero"`
}

// Reboot tells whether a reboot was needed and done.
type Reboot struct {
	Needed bool `json:"needed"`
	Done   bool `json:"done"`
	// Deferred is set when the reboot was needed and skipped because live
	// patches apply the kernel update's fixes (outcome live-patched);
	// LivePatchedCVEs are those fixes.
	Deferred        bool     `json:"deferred,omitempty"`
	LivePatchedCVEs []string `json:"livePatchedCves,omitempty"`
	// Duration is how long the instance took to come back, when known.
	Duration time.Duration `json:"durationNs,omitempty"`
}

// Package is one installed (or attempted) patch on one instance.
type Package struct {
	PatchID        string           `json:"patchId"`
	Name           string           `json:"name"`
	KB             string           `json:"kb,omitempty"`
	FromVersion    string           `json:"fromVersion,omitempty"`
	ToVersion      string           `json:"toVersion,omitempty"`
	Classification string           `json:"classification,omitempty"`
	Severity       string           `json:"severity,omitempty"`
	CVEs           []string         `json:"cves,omitempty"`
	State          fleet.PatchState `json:"state"`
	Error          string           `json:"error,omitempty"`
}

// Missing is a patch still missing after the run, and why.
type Missing struct {
	PatchID  string   `json:"patchId"`
	Name     string   `json:"name"`
	Severity string   `json:"severity,omitempty"`
	CVEs     []string `json:"cves,omitempty"`
	// Security marks a security update (see fleet.Patch.IsSecurity).
	Security bool `json:"security,omitempty"`
	// Why is rejected, not-selected, filtered-out, pending-approval-delay,
	// not-approved, failed, not-attempted or scan-only.
	Why string `json:"why"`
}

// IsSecurity reports whether a still-missing patch counts as a security
// patch: marked as one, or fixing at least one CVE.
func (m Missing) IsSecurity() bool { return m.Security || len(m.CVEs) > 0 }

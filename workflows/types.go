package workflows

import (
	"time"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// CycleInput starts a PatchCycle.
type CycleInput struct {
	Group string `json:"group"`
	// Cycle is the ISO week, e.g. 2026-W48. Empty: the week of the
	// schedule's TemporalScheduledStartTime, or of the workflow's start.
	Cycle string `json:"cycle,omitempty"`
	// InstallNow installs at once instead of in the group's install
	// window; the group must allow it (onDemand). An approval group still
	// needs a signed approval, which must say "start: now".
	InstallNow bool `json:"installNow,omitempty"`
	// Tuning overrides timeouts and parallelism; zero values take defaults.
	Tuning Tuning `json:"tuning,omitempty"`
}

// Tuning bounds the cycle's activities. The defaults suit real clouds.
type Tuning struct {
	// ScanParallelism is how many scan batches run at once. Default: all
	// of them (up to 500); the providers' per-account and per-subscription
	// rate limits pace the calls.
	ScanParallelism int `json:"scanParallelism,omitempty"`
	// BatchParallelism is how many install batches of a wave run at once.
	// Default: all of them (up to 500), so that a wave keeps the policy's
	// maxConcurrency instances in flight, within the error budget.
	BatchParallelism int `json:"batchParallelism,omitempty"`
	// HeartbeatTimeout of batch activities (default 2m).
	HeartbeatTimeout time.Duration `json:"heartbeatTimeout,omitempty"`
	// BatchTimeout is the start-to-close timeout of one batch activity
	// (default 2h).
	BatchTimeout time.Duration `json:"batchTimeout,omitempty"`
	// RebootTimeout is how long to wait for rebooted instances (default 20m).
	RebootTimeout time.Duration `json:"rebootTimeout,omitempty"`
	// RetryInterval is the first retry delay of activities (default 5s).
	RetryInterval time.Duration `json:"retryInterval,omitempty"`
	// LockRetry is how often a run asks again for its group's rollout lock
	// while another run holds it (default 5m).
	LockRetry time.Duration `json:"lockRetry,omitempty"`
}

func (t Tuning) withDefaults() Tuning {
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defd(&t.HeartbeatTimeout, 2*time.Minute)
	defd(&t.BatchTimeout, 2*time.Hour)
	defd(&t.RebootTimeout, 20*time.Minute)
	defd(&t.RetryInterval, 5*time.Second)
	defd(&t.LockRetry, 5*time.Minute)
	return t
}

// ApproveInput is the payload of the approve update and signal: a
// statement signed by an approver (approval.Signed: "statement" and
// "signature"; see review --statement and docs/approvals.md).
type ApproveInput struct {
	approval.Signed
	// Approver, Digest, Patches and Comment are the unsigned payload of
	// cycles started before signed approvals; only their replayed
	// histories read them. A cycle of this version refuses them.
	Approver string   `json:"approver,omitempty"`
	Digest   string   `json:"digest,omitempty"`
	Patches  []string `json:"patches,omitempty"`
	Comment  string   `json:"comment,omitempty"`
}

// RejectInput is the payload of the reject update and signal: a signed
// statement whose decision is reject and whose comment is the reason.
type RejectInput struct {
	approval.Signed
	// Approver, Reason and Digest are the unsigned payload of cycles
	// started before signed approvals (replayed histories only).
	Approver string `json:"approver,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Digest   string `json:"digest,omitempty"`
}

// DecisionResult answers an approve or reject update.
type DecisionResult struct {
	// Decision is approved, rejected, or pending while a two-person rule
	// waits for another approver.
	Decision string `json:"decision"`
	Digest   string `json:"digest"`
	// Patches is the number of patches approved.
	Patches int `json:"patches"`
	// Approvals and Required count the approvers so far and needed.
	Approvals int `json:"approvals,omitempty"`
	Required  int `json:"required,omitempty"`
}

// SignRequest tells an approver what to sign while a run awaits approval;
// review --statement builds the statement from it.
type SignRequest struct {
	Namespace string `json:"namespace"`
	Workflow  string `json:"workflow"`
	// Run is the first run ID of the cycle whose manifest is approved.
	Run    string `json:"run"`
	Digest string `json:"digest"`
	// Start is when the run would install once approved: now when the group
	// allows it and the run asks for it, else window. A signer may always
	// choose window.
	Start approval.Start `json:"start"`
	// Required is how many approvers must sign; Approved lists who has.
	Required int      `json:"required"`
	Approved []string `json:"approved,omitempty"`
	// Why says why a retry needs a new approval, when it does.
	Why string `json:"why,omitempty"`
}

// ControlInput is the optional payload of pause, resume and cancel.
type ControlInput struct {
	By     string `json:"by,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// Counts are the cycle's instance counts.
type Counts struct {
	Discovered    int `json:"discovered"`
	Unreachable   int `json:"unreachable"`
	Scanned       int `json:"scanned"`
	ScanFailed    int `json:"scanFailed"`
	NeedPatches   int `json:"needPatches"`
	Compliant     int `json:"compliant"`
	Planned       int `json:"planned"`
	Patched       int `json:"patched"`
	PendingReboot int `json:"pendingReboot"`
	// LivePatched instances are installed with their reboot deferred
	// (report.LivePatched).
	LivePatched int `json:"livePatched,omitempty"`
	Failed      int `json:"failed"`
	NotApproved int `json:"notApproved"`
}

// WaveProgress tells which wave runs.
type WaveProgress struct {
	Current int `json:"current"`
	Total   int `json:"total"`
}

// CycleStatus answers the status query.
type CycleStatus struct {
	Group  string             `json:"group"`
	Cycle  string             `json:"cycle"`
	Retry  int                `json:"retry,omitempty"`
	Mode   policy.Mode        `json:"mode"`
	Phase  Phase              `json:"phase"`
	Status Status             `json:"status,omitempty"`
	Paused bool               `json:"paused"`
	Counts Counts             `json:"counts"`
	Wave   WaveProgress       `json:"wave"`
	Review *activities.Review `json:"review,omitempty"`
	// Preflight is what the pre-flight check found on the instances to
	// install (runs recorded before it have none).
	Preflight    *activities.PreflightSummary `json:"preflight,omitempty"`
	Approval     *report.Approval             `json:"approval,omitempty"`
	Slot         *activities.Slot             `json:"installWindow,omitempty"`
	Report       *activities.ReportRef        `json:"report,omitempty"`
	PolicyDigest string                       `json:"policyDigest,omitempty"`
	// Sign is what to sign, while the run awaits approval.
	Sign *SignRequest `json:"sign,omitempty"`
	// Failure is the error that stopped a failed cycle.
	Failure string `json:"failure,omitempty"`
	// Reason says why the cycle stopped where it did: the failed canary or
	// health gate, the closed window, the expired approval.
	Reason string `json:"reason,omitempty"`
	// Waiting says what the cycle waits for now, besides its phase: another
	// run's rollout lock, a bake.
	Waiting string `json:"waiting,omitempty"`
	// LastRefusal says why the last approve or reject signal was ignored
	// (updates answer with the reason; signals cannot).
	LastRefusal string `json:"lastRefusal,omitempty"`
}

// CycleResult is what a finished cycle returns.
type CycleResult struct {
	Group          string                `json:"group"`
	Cycle          string                `json:"cycle"`
	Retry          int                   `json:"retry,omitempty"`
	Mode           policy.Mode           `json:"mode,omitempty"`
	Status         Status                `json:"status"`
	ManifestDigest string                `json:"manifestDigest,omitempty"`
	Approval       *report.Approval      `json:"approval,omitempty"`
	Counts         Counts                `json:"counts"`
	Report         *activities.ReportRef `json:"report,omitempty"`
}

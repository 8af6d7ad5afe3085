package workflows

import (
	"time"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// CycleInput starts a PatchCycle.
type CycleInput struct {
	Group string `json:"group"`
	// Cycle is the ISO week, e.g. 2026-W48. Empty: the week of the
	// schedule's TemporalScheduledStartTime, or of the workflow's start.
	Cycle string `json:"cycle,omitempty"`
	// InstallNow opens an ad-hoc install window at once (for demos and
	// operators) instead of waiting for the group's install window.
	InstallNow bool `json:"installNow,omitempty"`
	// Tuning overrides timeouts and parallelism; zero values take defaults.
	Tuning Tuning `json:"tuning,omitempty"`
}

// Tuning bounds the cycle's activities. The defaults suit real clouds.
type Tuning struct {
	// ScanParallelism is how many scan batches run at once (default 10).
	ScanParallelism int `json:"scanParallelism,omitempty"`
	// BatchParallelism is how many install batches of a wave run at once
	// (default 10).
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
}

func (t Tuning) withDefaults() Tuning {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&t.ScanParallelism, 10)
	def(&t.BatchParallelism, 10)
	defd(&t.HeartbeatTimeout, 2*time.Minute)
	defd(&t.BatchTimeout, 2*time.Hour)
	defd(&t.RebootTimeout, 20*time.Minute)
	defd(&t.RetryInterval, 5*time.Second)
	return t
}

// ApproveInput is the payload of the approve update and signal.
type ApproveInput struct {
	// Approver must be one of the group's approvers.
	Approver string `json:"approver"`
	// Digest must equal the digest of the cycle's manifest (see the review).
	Digest string `json:"digest"`
	// Patches is the approved subset of patch IDs; empty approves all.
	Patches []string `json:"patches,omitempty"`
	Comment string   `json:"comment,omitempty"`
}

// RejectInput is the payload of the reject update and signal.
type RejectInput struct {
	Approver string `json:"approver"`
	Reason   string `json:"reason"`
	// Digest, when given, must equal the manifest's digest.
	Digest string `json:"digest,omitempty"`
}

// DecisionResult answers an approve or reject update.
type DecisionResult struct {
	Decision string `json:"decision"`
	Digest   string `json:"digest"`
	// Patches is the number of patches approved.
	Patches int `json:"patches"`
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
	Failed        int `json:"failed"`
	NotApproved   int `json:"notApproved"`
}

// WaveProgress tells which wave runs.
type WaveProgress struct {
	Current int `json:"current"`
	Total   int `json:"total"`
}

// CycleStatus answers the status query.
type CycleStatus struct {
	Group        string                `json:"group"`
	Cycle        string                `json:"cycle"`
	Retry        int                   `json:"retry,omitempty"`
	Mode         policy.Mode           `json:"mode"`
	Phase        Phase                 `json:"phase"`
	Status       Status                `json:"status,omitempty"`
	Paused       bool                  `json:"paused"`
	Counts       Counts                `json:"counts"`
	Wave         WaveProgress          `json:"wave"`
	Review       *activities.Review    `json:"review,omitempty"`
	Approval     *report.Approval      `json:"approval,omitempty"`
	Slot         *activities.Slot      `json:"installWindow,omitempty"`
	Report       *activities.ReportRef `json:"report,omitempty"`
	PolicyDigest string                `json:"policyDigest,omitempty"`
	Approvers    []string              `json:"approvers,omitempty"`
	// Failure is the error that stopped a failed cycle.
	Failure string `json:"failure,omitempty"`
	// LastRefusal says why the last approve or reject signal was ignored
	// (updates answer with the reason; signals cannot).
	LastRefusal string `json:"lastRefusal,omitempty"`
}

// CycleResult is what a finished cycle returns.
type CycleResult struct {
	Group          string                `json:"group"`
	Cycle          string                `json:"cycle"`
	Retry          int                   `json:"retry,omitempty"`
	Status         Status                `json:"status"`
	ManifestDigest string                `json:"manifestDigest,omitempty"`
	Approval       *report.Approval      `json:"approval,omitempty"`
	Counts         Counts                `json:"counts"`
	Report         *activities.ReportRef `json:"report,omitempty"`
}

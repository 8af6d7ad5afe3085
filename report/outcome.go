package report

// Outcome is what a cycle did to one instance.
type Outcome string

// Instance outcomes.
const (
	// Patched: every planned patch is installed (and verified).
	Patched Outcome = "patched"
	// AlreadyCompliant: the baseline approves nothing that is missing.
	AlreadyCompliant Outcome = "already-compliant"
	// Failed: the scan, an install, the reboot or the verification failed.
	Failed Outcome = "failed"
	// Unreachable: the agent was offline or the instance could not be driven.
	Unreachable Outcome = "unreachable"
	// PendingReboot: installed, but a reboot is needed and the group says
	// NoReboot.
	PendingReboot Outcome = "pending-reboot"
	// LivePatched: installed, live-patched, reboot deferred. The only
	// reboot the install needed was for a kernel update whose fixes live
	// patches already apply to the running kernel, and the group's
	// livePatch is deferReboot; Reboot.LivePatchedCVEs lists those fixes.
	// The new kernel runs after the next reboot.
	LivePatched Outcome = "live-patched"
	// SkippedByPolicy: the group is scan-only.
	SkippedByPolicy Outcome = "skipped-by-policy"
	// NotAttempted: the instance needed patches that were not installed;
	// Reason says why (window-closed, halted, cancelled, not-approved).
	NotAttempted Outcome = "not-attempted"
)

// Reasons an instance was not attempted.
const (
	ReasonWindowClosed = "window-closed"
	ReasonHalted       = "halted"
	ReasonCancelled    = "cancelled"
	ReasonNotApproved  = "not-approved"
	ReasonRejected     = "rejected"
	ReasonExpired      = "expired"
	// ReasonCycleFailed: the cycle stopped on an error it could not get
	// past (the error is in the report's status and the workflow's failure).
	ReasonCycleFailed = "cycle-failed"
	// ReasonUnconfirmed: a worker died while the install may have run, the
	// cloud could not confirm it, and the verification scan found the
	// patches still missing; nothing was installed a second time.
	ReasonUnconfirmed = "install-unconfirmed"
)

// Counts as a failure against the rollout's maxErrors.
func (o Outcome) CountsAsFailure() bool { return o == Failed }

// Retryable reports whether RetryFailed re-runs an instance with this
// outcome: failures, unreachable instances, and instances left out by a
// halt, a closed window, a cancel or a failed cycle, never those the
// approver left out.
func Retryable(o Outcome, reason string) bool {
	if o == Failed || o == Unreachable {
		return true
	}
	return o == NotAttempted && (reason == ReasonWindowClosed || reason == ReasonHalted ||
		reason == ReasonCancelled || reason == ReasonCycleFailed || reason == ReasonUnconfirmed)
}

// Outcomes lists every outcome, failures first: the order reports show
// them in.
var Outcomes = []Outcome{Failed, Unreachable, NotAttempted, PendingReboot, LivePatched, SkippedByPolicy, Patched, AlreadyCompliant}

// Rank is the outcome's position in Outcomes (unknown outcomes come last).
func (o Outcome) Rank() int {
	for i, x := range Outcomes {
		if x == o {
			return i
		}
	}
	return len(Outcomes)
}

// Compliant reports whether an instance with this outcome has everything
// the cycle meant to install and in effect: patched, live-patched or
// already compliant.
func (o Outcome) Compliant() bool { return o == Patched || o == LivePatched || o == AlreadyCompliant }

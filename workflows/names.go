package workflows

import (
	"strconv"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// TaskQueue is the default task queue of fleetpatch workers.
const TaskQueue = "fleetpatch"

// Workflow type names.
const (
	// PatchCycleWorkflow is the weekly cycle of one patch group.
	PatchCycleWorkflow = "PatchCycle"
	// WaveWorkflow is one rollout wave, a child of a cycle.
	WaveWorkflow = "Wave"
	// RetryFailedWorkflow re-runs the failed and not-attempted instances of
	// a finished cycle.
	RetryFailedWorkflow = "RetryFailed"
)

// Message names. Approve and Reject are accepted both as updates (which
// answer with the validator's verdict) and as signals (for UIs that only
// signal; an invalid signal is logged and ignored).
const (
	// ApproveName approves the cycle's manifest or a subset of it.
	// Payload: ApproveInput.
	ApproveName = "approve"
	// RejectName rejects the cycle's manifest. Payload: RejectInput.
	RejectName = "reject"
	// PauseSignal stops starting new batches until resume. Payload:
	// ControlInput (optional).
	PauseSignal = "pause"
	// ResumeSignal lets a paused rollout go on. Payload: ControlInput.
	ResumeSignal = "resume"
	// CancelSignal stops the cycle between batches; it ends as cancelled
	// with a report. Payload: ControlInput.
	CancelSignal = "cancel"
	// StatusQuery returns the cycle's Status.
	StatusQuery = "status"
)

// Typed search attributes set on every cycle (register them on the
// namespace as Keyword attributes).
var (
	// PatchGroupKey is the cycle's patch group.
	PatchGroupKey = temporal.NewSearchAttributeKeyKeyword("PatchGroup")
	// PatchCycleKey is the cycle, an ISO week such as 2026-W48.
	PatchCycleKey = temporal.NewSearchAttributeKeyKeyword("PatchCycle")
	// PatchPhaseKey is the current phase, then the final status.
	PatchPhaseKey = temporal.NewSearchAttributeKeyKeyword("PatchPhase")
)

// SearchAttributes lists the names of the custom search attributes, all of
// type Keyword.
var SearchAttributes = []string{"PatchGroup", "PatchCycle", "PatchPhase"}

// SearchAttributeTypes maps each custom search attribute to its type, as a
// namespace registers them (operatorservice.AddSearchAttributes).
func SearchAttributeTypes() map[string]enumspb.IndexedValueType {
	out := map[string]enumspb.IndexedValueType{}
	for _, name := range SearchAttributes {
		out[name] = enumspb.INDEXED_VALUE_TYPE_KEYWORD
	}
	return out
}

// Phase is where a cycle is.
type Phase string

// Phases, in order.
const (
	PhaseSnapshot         Phase = "snapshot"
	PhaseDiscover         Phase = "discover"
	PhaseScan             Phase = "scan"
	PhaseEvaluate         Phase = "evaluate"
	PhaseAwaitingApproval Phase = "awaiting-approval"
	PhaseWaitingWindow    Phase = "waiting-for-window"
	PhaseRollout          Phase = "rollout"
	PhaseReport           Phase = "report"
	PhaseDone             Phase = "done"
)

// Status is how a cycle ended.
type Status string

// Final statuses.
const (
	// StatusCompleted: every planned instance was attempted.
	StatusCompleted Status = "completed"
	// StatusHalted: failures exceeded maxErrors; the rest was not attempted.
	StatusHalted Status = "halted"
	// StatusWindowClosed: the window's cutoff passed before every wave ran.
	StatusWindowClosed Status = "window-closed"
	// StatusExpired: nobody approved or rejected before the timeout.
	StatusExpired Status = "expired"
	// StatusRejected: an approver rejected the manifest.
	StatusRejected Status = "rejected"
	// StatusCancelled: the cancel signal (or a workflow cancellation) stopped it.
	StatusCancelled Status = "cancelled"
	// StatusFailed: an error the cycle could not get past stopped it; the
	// report says what was done, and the workflow fails with the error.
	StatusFailed Status = "failed"
)

// WorkflowID returns the ID of a group's cycle: patch-cycle/<group>/<cycle>.
func WorkflowID(group, cycle string) string { return "patch-cycle/" + group + "/" + cycle }

// RetryWorkflowID returns the ID of the n-th RetryFailed run of a cycle.
func RetryWorkflowID(group, cycle string, n int) string {
	return WorkflowID(group, cycle) + "/retry-" + strconv.Itoa(n)
}

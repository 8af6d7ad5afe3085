package workflows

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/activities"
)

// Register registers the workflows under their documented names, and the
// activities, on a worker.
func Register(w worker.Registry, acts *activities.Activities) {
	RegisterWorkflows(w)
	w.RegisterActivity(acts)
}

// RegisterWorkflows registers the workflows only, as a replayer needs.
func RegisterWorkflows(w worker.WorkflowRegistry) {
	w.RegisterWorkflowWithOptions(PatchCycle, workflow.RegisterOptions{Name: PatchCycleWorkflow})
	w.RegisterWorkflowWithOptions(Wave, workflow.RegisterOptions{Name: WaveWorkflow})
	w.RegisterWorkflowWithOptions(Scan, workflow.RegisterOptions{Name: ScanWorkflow})
	w.RegisterWorkflowWithOptions(RetryFailed, workflow.RegisterOptions{Name: RetryFailedWorkflow})
	w.RegisterWorkflowWithOptions(ScheduledCycle, workflow.RegisterOptions{Name: ScheduledCycleWorkflow})
	w.RegisterWorkflowWithOptions(FleetReport, workflow.RegisterOptions{Name: FleetReportWorkflow})
	w.RegisterWorkflowWithOptions(CleanArtifacts, workflow.RegisterOptions{Name: CleanArtifactsWorkflow})
	w.RegisterWorkflowWithOptions(Doctor, workflow.RegisterOptions{Name: DoctorWorkflow})
	w.RegisterWorkflowWithOptions(Restore, workflow.RegisterOptions{Name: RestoreWorkflow})
}

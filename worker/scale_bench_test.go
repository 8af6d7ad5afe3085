package main

import (
	"context"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/proto"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// BenchmarkCycle10000 runs one auto cycle over a 10,000-instance group on a
// real Temporal server and reports, per workflow, the history events, and
// per server the Temporal actions (activities and child workflows):
//
//	go test -run '^$' -bench Cycle10000 -benchtime 1x ./worker/
func BenchmarkCycle10000(b *testing.B) {
	for i := 0; i < b.N; i++ {
		s := newStack(b, 10000, 0)
		all := *s.pol.Groups["nonprod"]
		all.Name, all.Selector = "all", fleet.Selector{}
		all.Rollout = policy.Rollout{Canary: policy.Amount{Count: 1}, MaxConcurrency: policy.Amount{Percent: 10, IsPercent: true},
			MaxErrors: policy.Amount{Percent: 5, IsPercent: true}}
		s.pol.Groups["all"] = &all
		start := time.Now()
		r := s.wait(s.start("all", workflows.CycleInput{InstallNow: true}))
		b.ReportMetric(time.Since(start).Seconds(), "s/cycle")
		maxEvents, totalEvents, activities, children, maxEventBytes := 0, 0, 0, 0, 0
		resp, err := s.c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{PageSize: 1000})
		if err != nil {
			b.Fatal(err)
		}
		for _, e := range resp.Executions {
			it := s.c.GetWorkflowHistory(context.Background(), e.Execution.WorkflowId, e.Execution.RunId, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			n := 0
			for it.HasNext() {
				ev, err := it.Next()
				if err != nil {
					b.Fatal(err)
				}
				n++
				maxEventBytes = max(maxEventBytes, proto.Size(ev))
				switch ev.EventType {
				case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
					activities++
				case enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
					children++
				}
			}
			b.Logf("%s: %d events", e.Execution.WorkflowId, n)
			totalEvents += n
			maxEvents = max(maxEvents, n)
		}
		b.ReportMetric(float64(maxEvents), "max-events/workflow")
		b.ReportMetric(float64(maxEventBytes), "max-event-bytes")
		b.ReportMetric(float64(len(resp.Executions)), "workflows")
		b.ReportMetric(float64(activities+children)/10000, "actions/server")
		b.ReportMetric(float64(r.Counts.Patched), "patched")
		b.ReportMetric(float64(r.Counts.Failed), "failed")
		b.Logf("status %s, patched %d, failed %d, workflows %d, events %d, activities %d, children %d",
			r.Status, r.Counts.Patched, r.Counts.Failed, len(resp.Executions), totalEvents, activities, children)
	}
}

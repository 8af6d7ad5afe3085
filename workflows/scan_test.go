package workflows

import (
	"context"
	"slices"
	"sync"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/fleetpatch/fleetpatch/policy"
)

// A cycle scans in children of scanChildBatches batches each (here 2 of
// 50 servers: 7 batches, 4 children), every batch once, each in the
// child that owns its range, and adds up their counts.
func (s *cycleSuite) TestScansRunInChildrenOfBoundedSize() {
	defer func(n int) { scanChildBatches = n }(scanChildBatches)
	scanChildBatches = 2
	s.provider = newFakeProvider(350, "g")
	s.pol = testPolicy(policy.ModeScanOnly, 0)
	s.env = s.newEnv()
	var mu sync.Mutex
	scanned := map[string][]int{} // workflow ID -> batches it scanned
	s.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		if info.ActivityType.Name != "ScanBatch" {
			return
		}
		var in struct{ Batch int }
		s.Require().NoError(args.Get(&in))
		mu.Lock()
		scanned[info.WorkflowExecution.ID] = append(scanned[info.WorkflowExecution.ID], in.Batch)
		mu.Unlock()
	})
	s.runCycle(CycleInput{Group: "g", Cycle: "2026-W47"})
	r := s.result()
	s.Equal(StatusCompleted, r.Status)
	s.Equal(350, r.Counts.Scanned)
	id := WorkflowID("g", "2026-W47")
	want := map[string][]int{scanID(id, 0): {0, 1}, scanID(id, 1): {2, 3}, scanID(id, 2): {4, 5}, scanID(id, 3): {6}}
	for k := range scanned {
		slices.Sort(scanned[k])
	}
	s.Equal(want, scanned)
}

package azure

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// arcAssessResult is what the provider reads of a MachineAssessPatchesResult.
type arcAssessResult struct {
	Status               string         `json:"status"`
	AssessmentActivityID string         `json:"assessmentActivityId"`
	RebootPending        bool           `json:"rebootPending"`
	StartDateTime        *time.Time     `json:"startDateTime"`
	Counts               map[string]int `json:"availablePatchCountByClassification"`
	ErrorDetails         *arcError      `json:"errorDetails"`
}

// scanArc assesses an Arc machine: POST .../assessPatches (long-running),
// then the assessment's patches from Resource Graph patchassessmentresources,
// once its summary row names this assessment and it lists as many patches
// as the result counts (see arc_graph.go).
func (p *Provider) scanArc(ctx context.Context, m machine, in fleet.Instance, beat func()) (fleet.InstanceScan, []fleet.Patch, error) {
	out := fleet.InstanceScan{InstanceID: m.ID}
	pl, err := arcBegin[arcAssessResult](ctx, p, http.MethodPost, m.ID+"/assessPatches", nil)
	if err != nil {
		return out, nil, err
	}
	r, err := poll(ctx, pl, p.cfg.PollInterval, beat)
	if err != nil {
		return out, nil, err
	}
	if r.StartDateTime != nil {
		out.ScannedAt = *r.StartDateTime
	}
	if strings.EqualFold(r.Status, "Failed") {
		out.Error = "assessPatches failed: " + r.ErrorDetails.text()
		return out, nil, nil
	}
	out.PendingReboot = r.RebootPending
	want := 0
	for _, n := range r.Counts {
		want += n
	}
	_, rows, ok, err := p.patchRows(ctx, m, patchQuery(assessmentTable, m.ID+"/patchAssessmentResults/latest"),
		func(summary row, patches []row) bool {
			return summary != nil && r.AssessmentActivityID != "" && strings.EqualFold(summary.str("name"), r.AssessmentActivityID) && len(patches) == want
		}, beat)
	if err != nil {
		return out, nil, err
	}
	if !ok {
		out.Error = fmt.Sprintf("assessPatches counted %d available patches (assessment %q), but Resource Graph %s did not show "+
			"this assessment's per-patch results within %s: patch names, versions and KBs are not available", want, r.AssessmentActivityID, assessmentTable, p.cfg.GraphWait)
		return out, nil, nil
	}
	var cat []fleet.Patch
	for _, row := range rows {
		pt := toFleetPatch(in, row.azurePatch())
		cat = append(cat, pt)
		out.Patches = append(out.Patches, fleet.PatchStatus{PatchID: pt.ID, State: fleet.StateMissing})
	}
	return out, cat, nil
}

package azure

import (
	"context"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Scan runs assessPatches on every machine (in parallel, bounded per
// subscription) and returns the available patches in the fleet model.
// Machines that cannot be assessed (deallocated, agent not ready, the
// operation failed) carry the error; throttling that outlasts azcore's
// retries and the end of ctx fail the call.
func (p *Provider) Scan(ctx context.Context, instanceIDs []string, progress fleet.Progress) (fleet.ScanResult, error) {
	if err := checkBatch("Scan", len(instanceIDs)); err != nil {
		return fleet.ScanResult{}, err
	}
	res := fleet.ScanResult{Instances: make([]fleet.InstanceScan, len(instanceIDs))}
	catalogs := make([][]fleet.Patch, len(instanceIDs))
	var mu sync.Mutex
	var callErr error
	p.forEach(ctx, instanceIDs, progress, func(ctx context.Context, i int, m machine, beat func()) {
		sc, cat, err := p.scanOne(ctx, m, beat)
		if err != nil {
			if callError(err) {
				mu.Lock()
				callErr = err
				mu.Unlock()
			}
			sc = fleet.InstanceScan{InstanceID: m.ID, Error: machineError("assessPatches", err)}
		}
		res.Instances[i], catalogs[i] = sc, cat
	}, func(i int, err error) {
		res.Instances[i] = fleet.InstanceScan{InstanceID: instanceIDs[i], Error: err.Error()}
	})
	seen := map[string]bool{}
	for _, cat := range catalogs {
		for _, pt := range cat {
			if !seen[pt.ID] {
				seen[pt.ID] = true
				res.Catalog = append(res.Catalog, pt)
			}
		}
	}
	if callErr != nil {
		return res, wrapCallError(callErr)
	}
	return res, nil
}

// scanOne assesses one machine.
func (p *Provider) scanOne(ctx context.Context, m machine, beat func()) (fleet.InstanceScan, []fleet.Patch, error) {
	in, err := p.describe(ctx, m)
	if err != nil {
		return fleet.InstanceScan{}, nil, err
	}
	out := fleet.InstanceScan{InstanceID: m.ID}
	if in.OS == "" {
		out.Error = "assessPatches skipped: the machine's operating system is not supported"
		return out, nil, nil
	}
	if m.Arc {
		return p.scanArc(ctx, m, in, beat)
	}
	c, err := p.vmClient(m.Sub)
	if err != nil {
		return out, nil, err
	}
	pl, err := c.BeginAssessPatches(ctx, m.RG, m.Name, nil)
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
	if r.Status != nil && *r.Status == armcompute.PatchOperationStatusFailed {
		out.Error = "assessPatches failed: " + apiErrorText(r.Error)
		return out, nil, nil
	}
	out.PendingReboot = r.RebootPending != nil && *r.RebootPending
	var cat []fleet.Patch
	for _, ap := range r.AvailablePatches {
		if ap == nil || (ap.AssessmentState != nil && *ap.AssessmentState != armcompute.PatchAssessmentStateAvailable) {
			continue
		}
		a := azurePatch{Name: deref(ap.Name), Version: deref(ap.Version), KB: deref(ap.KbID)}
		for _, c := range ap.Classifications {
			a.Classifications = append(a.Classifications, deref(c))
		}
		if ap.RebootBehavior != nil {
			a.RebootBehavior = string(*ap.RebootBehavior)
		}
		if ap.PublishedDate != nil {
			a.Published = *ap.PublishedDate
		}
		pt := toFleetPatch(in, a)
		cat = append(cat, pt)
		out.Patches = append(out.Patches, fleet.PatchStatus{PatchID: pt.ID, State: fleet.StateMissing})
	}
	return out, cat, nil
}

// apiErrorText is the text of an operation's error.
func apiErrorText(e *armcompute.APIError) string {
	if e == nil {
		return "no error details"
	}
	s := deref(e.Code) + ": " + deref(e.Message)
	for _, d := range e.Details {
		if d != nil {
			s += "; " + deref(d.Code) + ": " + deref(d.Message)
		}
	}
	return s
}

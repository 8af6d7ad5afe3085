package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Scan runs AWS-RunPatchBaseline Operation=Scan on at most 50 instances:
// one command per account and region of the batch, with the call's
// baselines as BaselineOverride when known. It then reads each scanned
// node's Missing, Failed and InstalledPendingReboot patches, the patch
// definitions and the installed versions. Instances the command did not
// reach carry the invocation's status and output as their error.
//
// A retry of the call resumes its command as Install does; without a call
// key (see WithCallKey) only a scan of the same instances that still runs
// is waited for, and a finished one is not reused.
func (p *Provider) Scan(ctx context.Context, instanceIDs []string, progress fleet.Progress) (fleet.ScanResult, error) {
	if len(instanceIDs) > fleet.MaxBatch {
		return fleet.ScanResult{}, fmt.Errorf("aws: scan of %d instances: %w", len(instanceIDs), fleet.ErrTooManyInstances)
	}
	groups, missing, err := p.locate(ctx, instanceIDs)
	if err != nil {
		return fleet.ScanResult{}, err
	}
	params := map[string][]string{"Operation": {"Scan"}, "RebootOption": {string(fleet.NoReboot)}}
	baselines, err := p.baselinesFor(ctx)
	if err != nil {
		return fleet.ScanResult{}, fmt.Errorf("aws: baselines for the scan: %w", err)
	}
	if len(baselines) > 0 {
		data, err := overrideJSON(baselines)
		if err != nil {
			return fleet.ScanResult{}, err
		}
		u, err := p.upload(ctx, "baseline-override", "baselines", data, "application/json")
		if err != nil {
			return fleet.ScanResult{}, err
		}
		params["BaselineOverride"] = []string{u}
	}
	pc := &progressCounter{total: len(instanceIDs), report: progress}
	pc.add(len(missing))
	var mu sync.Mutex
	scans := map[string]fleet.InstanceScan{}
	catalog := map[string]fleet.Patch{}
	err = eachGroup(groups, func(g group) error {
		res, defs, err := p.scanGroup(ctx, g, params, pc)
		if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, s := range res {
			scans[s.InstanceID] = s
		}
		for id, d := range defs {
			if cloudApproved(catalog[id]) {
				d = withCloudReport(d, true)
			}
			catalog[id] = d
		}
		return nil
	})
	if err != nil {
		return fleet.ScanResult{}, err
	}
	out := fleet.ScanResult{Instances: make([]fleet.InstanceScan, 0, len(instanceIDs))}
	seen := map[string]bool{}
	for _, id := range instanceIDs {
		s, ok := scans[id]
		if !ok {
			s = fleet.InstanceScan{InstanceID: id, Error: missing[id]}
		}
		out.Instances = append(out.Instances, s)
		for _, ps := range s.Patches {
			if !seen[ps.PatchID] {
				seen[ps.PatchID] = true
				out.Catalog = append(out.Catalog, catalog[ps.PatchID])
			}
		}
	}
	return out, nil
}

// scanGroup scans the nodes of one account and region. Every patch it
// returns carries a fleet.CloudReport from AWS, Approved when a scan with
// a BaselineOverride reported it Missing on some node (see
// withCloudReport).
func (p *Provider) scanGroup(ctx context.Context, g group, params map[string][]string, pc *progressCounter) ([]fleet.InstanceScan, map[string]fleet.Patch, error) {
	out := make([]fleet.InstanceScan, len(g.ids))
	if err := g.credentials(ctx); err != nil {
		if errors.Is(err, fleet.ErrPermanent) {
			return nil, nil, err
		}
		for i, id := range g.ids {
			out[i] = fleet.InstanceScan{InstanceID: id, Error: err.Error()}
		}
		pc.add(len(g.ids))
		return out, nil, nil
	}
	overridden := len(params["BaselineOverride"]) > 0
	key := callKey(ctx)
	outcomes, err := p.runOnce(ctx, g, batchCommand{params: params, key: key, reuseFinished: key != ""}, pc)
	if err != nil {
		return nil, nil, err
	}
	var scanned []string
	for i, id := range g.ids {
		out[i].InstanceID = id
		if o := outcomes[id]; o.status != "Success" {
			out[i].Error = "scan " + o.describe()
			continue
		}
		scanned = append(scanned, id)
	}
	if len(scanned) == 0 {
		return out, nil, nil
	}
	states, err := p.patchStates(ctx, g, scanned)
	if err != nil {
		return nil, nil, err
	}
	refs := make([][]patchRef, len(g.ids))
	invs := make([]map[string]string, len(g.ids))
	err = p.each(g.ids, func(i int, id string) error {
		if out[i].Error != "" {
			return nil
		}
		var err error
		if refs[i], err = p.instancePatches(ctx, g, id, "Missing", "Failed", "InstalledPendingReboot"); err != nil {
			return err
		}
		invs[i], err = p.inventory(ctx, g, id)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	all := map[string]patchRef{}
	products := map[string]string{}
	for i, id := range g.ids {
		for _, r := range refs[i] {
			key := id + "|" + r.id
			all[key], products[key] = r, p.nodeInfo(id).product
		}
	}
	defs, err := p.definitions(ctx, g, all, products)
	if err != nil {
		return nil, nil, err
	}
	for i, id := range g.ids {
		if out[i].Error != "" {
			continue
		}
		n := p.nodeInfo(id)
		st := states[id]
		out[i].ScannedAt = aws.ToTime(st.OperationEndTime).UTC()
		if out[i].ScannedAt.IsZero() {
			out[i].ScannedAt = time.Now().UTC()
		}
		out[i].PendingReboot = aws.ToInt32(st.InstalledPendingRebootCount) > 0
		for _, r := range refs[i] {
			d, ok := defs[r.id]
			if !ok {
				d = fallbackDefinition(n, r)
			}
			defs[r.id] = withCloudReport(d, cloudApproved(d) || (overridden && strings.EqualFold(string(r.data.State), string(fleet.StateMissing))))
			out[i].Patches = append(out[i].Patches, fleet.PatchStatus{
				PatchID: r.id, State: fleet.PatchState(r.data.State), InstalledVersion: invs[i][r.name],
			})
		}
	}
	return out, defs, nil
}

// withCloudReport returns a copy of d reported by AWS, approved or not by
// the baseline the scan ran with. A scan reports Missing only the
// patches "from the patch baseline that are applicable for the managed
// node but aren't currently installed" (MissingCount,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstancePatchState.html);
// an unapproved patch is reported InstalledOther when installed and not
// at all otherwise
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-compliance-states.html).
// AWS evaluates the baseline on the node, with the repositories the node
// has configured
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-linux-rules.html).
// With the cycle's baseline as BaselineOverride, Missing is therefore
// AWS's own verdict that the cycle's baseline approves the patch, which
// policy.Evaluate takes where AWS reports too little to decide, such as an
// Ubuntu update's pocket. The state is compared without case: the API
// reference spells it MISSING, the DescribeInstancePatches filter Missing.
// The copy has its own report, so cached definitions never change.
func withCloudReport(d fleet.Patch, approved bool) fleet.Patch {
	d.CloudReport = &fleet.CloudReport{Cloud: fleet.CloudAWS, Approved: approved}
	return d
}

// cloudApproved reports whether AWS's scan approved d (withCloudReport).
func cloudApproved(d fleet.Patch) bool { return d.CloudReport != nil && d.CloudReport.Approved }

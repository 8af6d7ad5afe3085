package awsfront

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

type describeInstancePatchesInput struct {
	InstanceID string   `json:"InstanceId"`
	Filters    []filter `json:"Filters"`
	MaxResults int      `json:"MaxResults"`
	NextToken  string   `json:"NextToken"`
}

// describeInstancePatches lists an instance's patches as its last patch
// operation reported them, filtered by State
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstancePatches.html).
func (s *Server) describeInstancePatches(c *ssmCall) (any, *apiError) {
	var in describeInstancePatchesInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	c.instances = 1
	if in.MaxResults != 0 && (in.MaxResults < 10 || in.MaxResults > 100) {
		return nil, validation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 10 and 100", in.MaxResults)
	}
	if _, ok := s.instanceOf(c, in.InstanceID); !ok {
		return nil, invalidInstanceID("Instance Id %s is not valid for account %s in %s.", in.InstanceID, c.account, c.region)
	}
	states := map[string]bool{}
	for _, f := range in.Filters {
		switch f.Key {
		case "State":
			for _, v := range f.Values {
				states[v] = true
			}
		case "Classification", "KBId", "Severity":
		default:
			return nil, errorf("InvalidFilter", http.StatusBadRequest, "The filter key %s is not valid.", f.Key)
		}
	}
	var list []patchComplianceData
	if comp := s.complianceOf(in.InstanceID); comp != nil {
		for _, r := range comp.records {
			if len(states) == 0 || states[string(r.state)] {
				list = append(list, complianceData(r))
			}
		}
	}
	from, to, next, e := s.page(len(list), in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return map[string]any{"Patches": emptyIfNil(list[from:to]), "NextToken": omitEmpty(next)}, nil
}

type describeInstancePatchStatesInput struct {
	InstanceIDs []string `json:"InstanceIds"`
	MaxResults  int      `json:"MaxResults"`
	NextToken   string   `json:"NextToken"`
}

// describeInstancePatchStates summarises the compliance of at most 50
// instances
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstancePatchStates.html).
// Instances without a patch operation yet are left out.
func (s *Server) describeInstancePatchStates(c *ssmCall) (any, *apiError) {
	var in describeInstancePatchStatesInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	c.instances = len(in.InstanceIDs)
	if len(in.InstanceIDs) == 0 || len(in.InstanceIDs) > fleet.MaxBatch {
		return nil, validation("1 validation error detected: Value at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to 50 and greater than or equal to 1")
	}
	if in.MaxResults != 0 && (in.MaxResults < 10 || in.MaxResults > 100) {
		return nil, validation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 10 and 100", in.MaxResults)
	}
	if _, e := s.ownInstances(c, in.InstanceIDs); e != nil {
		return nil, e
	}
	var list []map[string]any
	for _, id := range in.InstanceIDs {
		comp := s.complianceOf(id)
		if comp == nil {
			continue
		}
		counts := map[fleet.PatchState]int{}
		security := 0
		for _, r := range comp.records {
			counts[r.state]++
			if r.state == fleet.StateMissing && r.patch.IsSecurity() {
				security++
			}
		}
		st := map[string]any{
			"InstanceId": id, "PatchGroup": s.patchGroup(id), "BaselineId": baselineID(comp),
			"Operation": comp.operation, "OperationStartTime": epoch(comp.start), "OperationEndTime": epoch(comp.end),
			"InstalledCount": counts[fleet.StateInstalled], "InstalledOtherCount": 0,
			"InstalledPendingRebootCount": counts[fleet.StateInstalledPendingReboot], "InstalledRejectedCount": 0,
			"MissingCount": counts[fleet.StateMissing], "FailedCount": counts[fleet.StateFailed],
			"NotApplicableCount": 0, "UnreportedNotApplicableCount": 0,
			"SecurityNonCompliantCount": security, "CriticalNonCompliantCount": 0,
			"OtherNonCompliantCount": counts[fleet.StateMissing] + counts[fleet.StateFailed] - security,
		}
		if comp.snapshotID != "" {
			st["SnapshotId"] = comp.snapshotID
		}
		if comp.installOverrideList != "" {
			st["InstallOverrideList"] = comp.installOverrideList
		}
		if comp.reboot != "" {
			st["RebootOption"] = comp.reboot
		}
		list = append(list, st)
	}
	from, to, next, e := s.page(len(list), in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return map[string]any{"InstancePatchStates": emptyIfNil(list[from:to]), "NextToken": omitEmpty(next)}, nil
}

// baselineID names the baseline a compliance report used.
func baselineID(c *compliance) string {
	if c.baselineOverride {
		return "pb-override"
	}
	return "pb-default"
}

// patchGroup returns the instance's PatchGroup tag.
func (s *Server) patchGroup(id string) string {
	in, _ := s.fleet.Instance(id)
	return in.Tags["PatchGroup"]
}

type describeAvailablePatchesInput struct {
	Filters    []filter `json:"Filters"`
	MaxResults int      `json:"MaxResults"`
	NextToken  string   `json:"NextToken"`
}

// describeAvailablePatches lists the catalog's patches of one PRODUCT,
// narrowed by NAME (Linux) or PATCH_ID (Windows KBs)
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeAvailablePatches.html).
// Like AWS, Linux requests must name a PRODUCT. Unlike AWS (which serves
// Amazon Linux and Windows here), the emulator also serves Ubuntu.
func (s *Server) describeAvailablePatches(c *ssmCall) (any, *apiError) {
	var in describeAvailablePatchesInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.MaxResults != 0 && (in.MaxResults < 1 || in.MaxResults > 100) {
		return nil, validation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100", in.MaxResults)
	}
	vals := map[string][]string{}
	for _, f := range in.Filters {
		switch f.Key {
		case "PRODUCT", "NAME", "PATCH_ID":
			vals[f.Key] = f.Values
		default:
			return nil, errorf("InvalidFilter", http.StatusBadRequest, "the emulator filters on PRODUCT, NAME and PATCH_ID, not %s", f.Key)
		}
	}
	var list []map[string]any
	seen := map[string]bool{}
	if len(vals["PRODUCT"]) == 0 {
		if len(vals["PATCH_ID"]) == 0 {
			return nil, errorf("InvalidFilter", http.StatusBadRequest, "Filters for Linux patches must include PRODUCT.")
		}
		for _, id := range vals["PATCH_ID"] {
			if p, ok := s.fleet.Patch(id); ok && p.OS == fleet.OSWindows && !seen[p.ID] {
				seen[p.ID] = true
				list = append(list, availablePatch(p))
			}
		}
	}
	for _, product := range vals["PRODUCT"] {
		for _, p := range s.fleet.CatalogPatches(product) {
			if seen[p.ID] || !anyOf(vals["NAME"], p.Name) || !anyOf(vals["PATCH_ID"], p.KB) {
				continue
			}
			seen[p.ID] = true
			list = append(list, availablePatch(p))
		}
	}
	from, to, next, e := s.page(len(list), in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return map[string]any{"Patches": emptyIfNil(list[from:to]), "NextToken": omitEmpty(next)}, nil
}

// anyOf is true when values is empty or holds v.
func anyOf(values []string, v string) bool {
	if len(values) == 0 {
		return true
	}
	for _, x := range values {
		if x == v || x == "*" {
			return true
		}
	}
	return false
}

// availablePatch is the Patch shape
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_Patch.html).
// For Ubuntu, Severity carries the priority and Classification the section,
// and there is no Repository: AWS's listings never tell an Ubuntu update's
// pocket (DescribeAvailablePatches is documented for Amazon Linux and
// Windows only, and PatchComplianceData has no such field), so the
// emulator does not either; only the scan, which evaluates the baseline
// on the node, knows it (see reportedByScan).
func availablePatch(p fleet.Patch) map[string]any {
	out := map[string]any{
		"Id": p.ID, "ReleaseDate": epoch(p.ReleaseDate), "Title": p.Name, "Product": p.Product,
		"Arch": p.Arch, "CVEIds": emptyIfNil(p.CVEs), "Vendor": vendor(p.OS),
	}
	if p.OS != fleet.OSUbuntu {
		out["Repository"] = p.Repository
	}
	switch p.OS {
	case fleet.OSWindows:
		out["KbNumber"], out["Classification"], out["MsrcSeverity"] = p.KB, p.Classification, p.MSRCSeverity
		out["ProductFamily"], out["Severity"] = p.ProductFamily, p.MSRCSeverity
	case fleet.OSUbuntu:
		out["Name"], out["Version"], out["Severity"], out["Classification"] = p.Name, p.Version, p.Priority, p.Section
	default:
		out["Name"], out["Version"], out["Severity"], out["Classification"] = p.Name, p.Version, p.Severity, p.Classification
	}
	if p.RequiresReboot {
		out["Description"] = "Requires a reboot."
	}
	return out
}

func vendor(os fleet.OSFamily) string {
	switch os {
	case fleet.OSWindows:
		return "Microsoft"
	case fleet.OSUbuntu:
		return "Canonical"
	}
	return "Amazon"
}

type listInventoryEntriesInput struct {
	InstanceID string `json:"InstanceId"`
	TypeName   string `json:"TypeName"`
	MaxResults int    `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

// listInventoryEntries lists an instance's AWS:Application inventory: the
// installed packages (Windows: update slots) and versions
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListInventoryEntries.html).
func (s *Server) listInventoryEntries(c *ssmCall) (any, *apiError) {
	var in listInventoryEntriesInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	c.instances = 1
	if in.TypeName != "AWS:Application" {
		return nil, errorf("InvalidTypeNameException", http.StatusBadRequest, "The parameter type name %s is not valid (the emulator keeps AWS:Application).", in.TypeName)
	}
	if in.MaxResults != 0 && (in.MaxResults < 1 || in.MaxResults > 50) {
		return nil, validation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 50", in.MaxResults)
	}
	inst, ok := s.instanceOf(c, in.InstanceID)
	if !ok {
		return nil, invalidInstanceID("Instance Id %s is not valid for account %s in %s.", in.InstanceID, c.account, c.region)
	}
	invs, err := s.fleet.Inventory(s.ctx, []string{in.InstanceID})
	if err != nil {
		return nil, fleetError(err)
	}
	arch := map[bool]string{true: "x86_64", false: "amd64"}[inst.OS != fleet.OSUbuntu]
	var entries []map[string]string
	for _, p := range invs[0].Packages {
		entries = append(entries, map[string]string{"Name": p.Name, "Version": p.Version, "Architecture": arch,
			"PackageId": p.Name + "_" + p.Version, "Publisher": vendor(inst.OS)})
	}
	from, to, next, e := s.page(len(entries), in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return map[string]any{
		"TypeName": in.TypeName, "InstanceId": in.InstanceID, "SchemaVersion": "1.1",
		"CaptureTime": s.fleet.Now().UTC().Format("2006-01-02T15:04:05Z"),
		"Entries":     emptyIfNil(entries[from:to]), "NextToken": omitEmpty(next),
	}, nil
}

// overrideBaselines reads a BaselineOverride file (a JSON list of patch
// baselines, see checkBaselineOverride) into baselines by OS family.
func overrideBaselines(data []byte) (map[fleet.OSFamily]policy.Baseline, error) {
	if _, err := checkBaselineOverride(data); err != nil {
		return nil, err
	}
	var list []policy.Baseline
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("BaselineOverride is not a JSON list of patch baselines: %w", err)
	}
	out := map[fleet.OSFamily]policy.Baseline{}
	for _, b := range list {
		out[fleet.OSFamily(b.OperatingSystem)] = b
	}
	return out, nil
}

// reportedByScan reports whether a scan with the baselines of a
// BaselineOverride reports a patch in state st, which the fleet found on
// the node: a Missing patch only when the node's baseline approves it at
// time at, as AWS counts as Missing the patches "from the patch baseline
// that are applicable for the managed node but aren't currently
// installed" (MissingCount,
// https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstancePatchState.html)
// and reports an unapproved patch only once it is installed, as
// InstalledOther
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-compliance-states.html).
// The node evaluates the baseline with everything it knows, the Ubuntu
// pocket included ("rules are evaluated on each node to take the
// configured repos on the instance into consideration",
// https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-linux-rules.html).
// Other states, a scan without an override (the node's own baseline,
// which the emulator does not model) and an OS the override has no
// baseline for report as before.
func reportedByScan(bs map[fleet.OSFamily]policy.Baseline, p fleet.Patch, st fleet.PatchState, installed string, at time.Time) bool {
	b, ok := bs[p.OS]
	if !ok || st != fleet.StateMissing {
		return true
	}
	return policy.Evaluate(&b, p, installed, at).Verdict == policy.Approved
}

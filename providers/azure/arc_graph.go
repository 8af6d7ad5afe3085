package azure

import (
	"context"
	"strings"
	"time"
)

// Per-patch results of Arc machines.
//
// The Arc operations return counts only: MachineAssessPatchesResult has
// availablePatchCountByClassification, MachineInstallPatchesResult has
// installed/failed/pending/notSelected/excludedPatchCount (see the examples
// of api-version 2025-01-13 in Azure/azure-rest-api-specs,
// specification/hybridcompute/.../stable/2025-01-13/examples/machine).
// Update Manager writes the per-patch detail of both to Azure Resource
// Graph, as documented in "Access Azure Update Manager operations data
// using Azure Resource Graph"
// (https://learn.microsoft.com/azure/update-manager/query-logs):
//
//	patchassessmentresources
//	  <machine>/patchAssessmentResults/latest                      summary; name = the assessment's activity ID
//	  <machine>/patchAssessmentResults/latest/softwarePatches/<u>  patchName, version (Linux), kbId (Windows),
//	                                                               classifications, rebootRequired, publishedDateTime
//	patchinstallationresources
//	  <machine>/patchInstallationResults/<installationActivityId>                      summary
//	  <machine>/patchInstallationResults/<installationActivityId>/softwarePatches/<u>  the same fields and
//	                                                               installationState (Installed, Failed, Pending,
//	                                                               NotSelected, Excluded)
//
// Resource Graph is filled asynchronously, so the provider polls it until
// the rows of the operation it ran are there (Config.GraphWait).

// Tables of Update Manager's results in Resource Graph.
const (
	assessmentTable   = "patchassessmentresources"
	installationTable = "patchinstallationresources"
)

// patchQuery is the query of the rows of a patch table whose ID starts
// with prefix (KQL startswith is case-insensitive, as resource IDs are).
func patchQuery(table, prefix string) string {
	return table + "\n| where id startswith " + kql(prefix) + "\n| project id, name, type, properties\n| order by id asc"
}

// patchRows runs q over the machine's subscription until ready accepts
// the rows or Config.GraphWait passes (ok false), polling every
// PollInterval and calling beat between polls.
func (p *Provider) patchRows(ctx context.Context, m machine, q string, ready func(summary row, patches []row) bool,
	beat func()) (summary row, patches []row, ok bool, err error) {
	deadline := time.Now().Add(p.cfg.GraphWait)
	for {
		rows, err := p.query(ctx, m.Sub, q)
		if err != nil {
			return nil, nil, false, err
		}
		summary, patches = splitPatchRows(rows)
		if ready(summary, patches) {
			return summary, patches, true, nil
		}
		if !time.Now().Before(deadline) {
			return summary, patches, false, nil
		}
		beat()
		t := time.NewTimer(p.cfg.PollInterval)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, nil, false, ctx.Err()
		}
	}
}

// splitPatchRows separates the summary row (type .../patchassessmentresults
// or .../patchinstallationresults) from the softwarepatches rows.
func splitPatchRows(rows []row) (summary row, patches []row) {
	for _, r := range rows {
		if strings.HasSuffix(strings.ToLower(r.str("type")), "/softwarepatches") {
			patches = append(patches, r)
		} else {
			summary = r
		}
	}
	return summary, patches
}

// prop returns a property of a patch row (the documentation spells kbId
// "Kbid" in places, so keys match case-insensitively).
func (r row) prop(key string) any {
	props, _ := r["properties"].(map[string]any)
	if v, ok := props[key]; ok {
		return v
	}
	for k, v := range props {
		if strings.EqualFold(k, key) {
			return v
		}
	}
	return nil
}

func (r row) propStr(key string) string {
	s, _ := r.prop(key).(string)
	return s
}

// azurePatch reads a softwarepatches row. Reboot behaviour comes from the
// documented rebootRequired flag.
func (r row) azurePatch() azurePatch {
	a := azurePatch{Name: r.propStr("patchName"), Version: r.propStr("version"), KB: r.propStr("kbId"), RebootBehavior: "NeverReboots"}
	if req, _ := r.prop("rebootRequired").(bool); req {
		a.RebootBehavior = "AlwaysRequiresReboot"
	}
	if cs, ok := r.prop("classifications").([]any); ok {
		for _, c := range cs {
			if s, ok := c.(string); ok {
				a.Classifications = append(a.Classifications, s)
			}
		}
	}
	if t, err := time.Parse(time.RFC3339, r.propStr("publishedDateTime")); err == nil {
		a.Published = t
	}
	return a
}

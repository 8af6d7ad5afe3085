package azurefront

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// The Arc patch operations run the VM ones on the fleet (assess,
// runInstall) and answer in the Arc shapes, which carry counts only
// (MachineAssessPatchesResult, MachineInstallPatchesResult); the per-patch
// rows go to the Resource Graph tables, as Update Manager does.

// vmPatch is one patch of a VM result (assessPatches' availablePatches,
// installPatches' patches).
type vmPatch struct {
	PatchID           string   `json:"patchId"`
	Name              string   `json:"name"`
	Version           string   `json:"version"`
	KbID              string   `json:"kbId"`
	Classifications   []string `json:"classifications"`
	RebootBehavior    string   `json:"rebootBehavior"`
	PublishedDate     string   `json:"publishedDate"`
	InstallationState string   `json:"installationState"`
}

// recast converts a VM result, as built for JSON, into a typed value.
func recast(in, out any) {
	b, _ := json.Marshal(in)
	_ = json.Unmarshal(b, out)
}

// arcClassKey is the availablePatchCountByClassification key of a
// classification as the VM assessment spells it.
func arcClassKey(class string) string {
	switch c := strings.ToLower(class); {
	case strings.HasPrefix(c, "critical"):
		return "critical"
	case strings.HasPrefix(c, "security"):
		return "security"
	case strings.HasPrefix(c, "definition"):
		return "definition"
	case strings.HasPrefix(c, "update rollup"):
		return "updateRollup"
	case c == "other":
		return "other"
	}
	return "updates"
}

// patchRow is the properties of a softwarepatches row
// (https://learn.microsoft.com/azure/update-manager/query-logs).
func patchRow(p vmPatch, now string) map[string]any {
	row := map[string]any{"patchName": p.Name, "version": p.Version, "kbId": p.KbID, "classifications": p.Classifications,
		"rebootRequired": p.RebootBehavior != "" && p.RebootBehavior != "NeverReboots", "lastModifiedDateTime": now}
	if p.PublishedDate != "" {
		row["publishedDateTime"] = p.PublishedDate
	}
	if p.InstallationState != "" {
		row["installationState"] = p.InstallationState
	}
	return row
}

// arcAssess is an Arc machine's assessPatches.
func (s *Server) arcAssess(id string) opFunc {
	assess := s.assess(id)
	return func(ctx context.Context) (any, *armError) {
		res, aerr := assess(ctx)
		if aerr != nil {
			return nil, aerr
		}
		var vm struct {
			RebootPending    bool      `json:"rebootPending"`
			StartDateTime    string    `json:"startDateTime"`
			AvailablePatches []vmPatch `json:"availablePatches"`
		}
		recast(res, &vm)
		now := s.fleet.Now().UTC().Format(time.RFC3339)
		counts := map[string]int{}
		for _, k := range []string{"critical", "security", "other", "definition", "updateRollup", "featurePack", "servicePack", "tools", "updates"} {
			counts[k] = 0
		}
		var rows []patchRecord
		for _, p := range vm.AvailablePatches {
			counts[arcClassKey(strings.Join(p.Classifications, ""))]++
			rows = append(rows, patchRecord{key: p.PatchID, name: p.Name, props: patchRow(p, now)})
		}
		in, _ := s.fleet.Instance(id)
		osType, _, _ := osView(in)
		result := map[string]any{"status": "Succeeded", "assessmentActivityId": s.newGUID(), "rebootPending": vm.RebootPending,
			"startDateTime": vm.StartDateTime, "lastModifiedDateTime": now, "availablePatchCountByClassification": counts,
			"osType": osType, "startedBy": "User", "errorDetails": nil}
		s.recordAssessment(id, result, rows)
		return result, nil
	}
}

// arcInstall is an Arc machine's installPatches.
func (s *Server) arcInstall(id string, job installJob) opFunc {
	return func(ctx context.Context) (any, *armError) {
		res, aerr := s.runInstall(ctx, id, job.patchIDs, job.reboot, job.dur)
		if aerr != nil {
			return nil, aerr
		}
		var vm struct {
			Patches []vmPatch `json:"patches"`
		}
		recast(res, &vm)
		result := map[string]any{}
		recast(res, &result)
		delete(result, "patches")
		now := s.fleet.Now().UTC().Format(time.RFC3339)
		in, _ := s.fleet.Instance(id)
		osType, _, _ := osView(in)
		result["installationActivityId"], result["lastModifiedDateTime"], result["osType"], result["startedBy"], result["errorDetails"] =
			s.newGUID(), now, osType, "User", nil
		var rows []patchRecord
		for _, p := range vm.Patches {
			rows = append(rows, patchRecord{key: p.PatchID, name: p.Name, props: patchRow(p, now)})
		}
		s.recordInstallation(id, result, rows)
		return result, nil
	}
}

// newGUID returns a new activity ID.
func (s *Server) newGUID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%08x-aaaa-4000-8000-%012x", s.seq, s.seq)
}

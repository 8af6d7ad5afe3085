package azurefront

import (
	"fmt"
	"sort"
	"strings"
)

// Update Manager's Resource Graph tables for Arc machines, as documented
// in https://learn.microsoft.com/azure/update-manager/query-logs:
//
//	patchassessmentresources    <machine>/patchAssessmentResults/latest (summary; name = assessmentActivityId)
//	                            <machine>/patchAssessmentResults/latest/softwarePatches/<update>
//	patchinstallationresources  <machine>/patchInstallationResults/<installationActivityId> (summary)
//	                            <machine>/patchInstallationResults/<installationActivityId>/softwarePatches/<update>
//
// Rows appear as soon as the operation ends (the real service lags), the
// latest assessment per machine and every installation.

// Tables served besides resources.
const (
	assessmentTable   = "patchassessmentresources"
	installationTable = "patchinstallationresources"
)

// patchRecord is one softwarepatches row: its key in the ID, its name and
// its properties.
type patchRecord struct {
	key, name string
	props     map[string]any
}

// patchRun is one recorded operation: its activity ID, summary
// properties and patches.
type patchRun struct {
	fleetID, activity string
	summary           map[string]any
	patches           []patchRecord
}

func (s *Server) recordAssessment(fleetID string, summary map[string]any, patches []patchRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.assessments[fleetID] = patchRun{fleetID: fleetID, activity: summary["assessmentActivityId"].(string), summary: summary, patches: patches}
}

func (s *Server) recordInstallation(fleetID string, summary map[string]any, patches []patchRecord) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.installations = append(s.installations, patchRun{fleetID: fleetID, activity: summary["installationActivityId"].(string), summary: summary, patches: patches})
}

// parsePatchQuery parses the provider's query of a patch table:
//
//	<table>
//	| where id startswith '<prefix>'
//	| project id, name, type, properties
//	| order by id asc
func parsePatchQuery(q string) (table, prefix string, err error) {
	lines := strings.Split(strings.TrimSpace(q), "\n")
	table = strings.TrimSpace(lines[0])
	for _, l := range lines[1:] {
		l = strings.TrimSpace(l)
		switch {
		case l == "| project id, name, type, properties", l == "| order by id asc":
		case strings.HasPrefix(l, "| where id startswith "):
			v, rest, qerr := quoted(strings.TrimPrefix(l, "| where id startswith "))
			if qerr != nil || rest != "" {
				return "", "", fmt.Errorf("unsupported clause %q", l)
			}
			prefix = v
		default:
			return "", "", fmt.Errorf("the emulator does not understand %q", l)
		}
	}
	if prefix == "" {
		return "", "", fmt.Errorf("the emulator serves %s queries by id prefix only", table)
	}
	return table, prefix, nil
}

// isPatchTable reports whether a query reads a patch table.
func isPatchTable(q string) bool {
	first, _, _ := strings.Cut(strings.TrimSpace(q), "\n")
	first = strings.TrimSpace(first)
	return first == assessmentTable || first == installationTable
}

// patchGraphRows returns the rows of a patch table query, sorted by ID.
func (s *Server) patchGraphRows(req graphRequest) ([]map[string]any, error) {
	table, prefix, err := parsePatchQuery(req.Query)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.hidePatches {
		s.mu.Unlock()
		return nil, nil
	}
	var runs []patchRun
	kind, path := "patchassessmentresults", "/patchAssessmentResults/latest"
	if table == installationTable {
		kind = "patchinstallationresults"
		runs = append(runs, s.installations...)
	} else {
		for _, r := range s.assessments {
			runs = append(runs, r)
		}
	}
	s.mu.Unlock()
	var rows []map[string]any
	for _, run := range runs {
		in, _ := s.fleet.Instance(run.fleetID)
		if !inFold(req.Subscriptions, in.Account) {
			continue
		}
		base := s.fleetArc[run.fleetID] + path
		if table == installationTable {
			base = s.fleetArc[run.fleetID] + "/patchInstallationResults/" + run.activity
		}
		row := func(id, name, typ string, props map[string]any) {
			if strings.HasPrefix(strings.ToLower(id), strings.ToLower(prefix)) {
				rows = append(rows, map[string]any{"id": id, "name": name, "type": "microsoft.hybridcompute/machines/" + typ, "properties": props})
			}
		}
		row(base, run.activity, kind, run.summary)
		for _, p := range run.patches {
			row(base+"/softwarePatches/"+strings.NewReplacer(":", "_", "/", "_").Replace(p.key), p.name, kind+"/softwarepatches", p.props)
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i]["id"].(string) < rows[j]["id"].(string) })
	return rows, nil
}

// HidePatchResults makes the patch tables answer no rows (true), as
// Resource Graph does until it has ingested an operation's results, or
// shows them again (false).
func (s *Server) HidePatchResults(hide bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hidePatches = hide
}

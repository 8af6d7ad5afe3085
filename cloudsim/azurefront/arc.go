package azurefront

import (
	"net/http"
	"strings"
)

// routeArc serves an Arc machine's endpoints (api-version 2025-01-13 of
// Microsoft.HybridCompute, https://learn.microsoft.com/rest/api/hybridcompute/):
//
//	GET    .../machines/{name}                        the machine
//	POST   .../machines/{name}/assessPatches          LRO; MachineAssessPatchesResult (counts)
//	POST   .../machines/{name}/installPatches         LRO; MachineInstallPatchesResult (counts)
//	PUT    .../machines/{name}/runCommands/{command}  LRO (201); inventory scripts, health checks
//	GET    .../machines/{name}/runCommands/{command}  the run command with its instanceView
//	DELETE .../machines/{name}/runCommands/{command}
//
// The per-patch results of assessPatches and installPatches go to the
// Resource Graph tables patchassessmentresources and
// patchinstallationresources (patchgraph.go). Calls are logged with the
// Arc resource ID as Resource.
func (s *Server) routeArc(w *statusRecorder, r *http.Request, c *Call) {
	machineID, action := splitAction(r.URL.Path, "/providers/microsoft.hybridcompute/machines/")
	c.Resource = machineID
	id, ok := s.arc[strings.ToLower(machineID)]
	if !ok {
		writeError(w, http.StatusNotFound, "ResourceNotFound", "The Resource 'Microsoft.HybridCompute/machines/"+machineID[strings.LastIndex(machineID, "/")+1:]+"' was not found.")
		return
	}
	sub, name, _ := strings.Cut(action, "/")
	switch {
	case r.Method == http.MethodGet && action == "":
		c.Op = "arcMachine"
		s.serveArcMachine(w, id)
	case r.Method == http.MethodPost && action == "assessPatches":
		c.Op = action
		if op := s.beginOperation(w, id, action, arcNS, s.arcAssess(id)); op != nil {
			s.writeAccepted(w, r, op, http.StatusAccepted, nil)
		}
	case r.Method == http.MethodPost && action == "installPatches":
		c.Op = action
		job, ok := s.parseInstall(w, r, id)
		if !ok {
			return
		}
		if op := s.beginOperation(w, id, action, arcNS, s.arcInstall(id, job)); op != nil {
			s.writeAccepted(w, r, op, http.StatusAccepted, nil)
		}
	case strings.EqualFold(sub, "runCommands") && name != "" && !strings.Contains(name, "/"):
		c.Op = "runCommands"
		s.serveRunCommand(w, r, id, machineID+"/runCommands/"+name, name)
	default:
		c.Op = action
		writeError(w, http.StatusNotFound, "NotFound", "the emulator does not serve "+r.Method+" "+action+" on Arc machines")
	}
}

package azurefront

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// arcRunCommand is a Machine Run Command of an Arc machine
// (https://learn.microsoft.com/rest/api/hybridcompute/machine-run-commands).
type arcRunCommand struct {
	id, name, location, script string
	op                         *operation
}

// serveRunCommand serves PUT, GET and DELETE of a run command. PUT runs
// the script (only the provider's inventory scripts) as a long-running
// operation answered 201 with the Azure-AsyncOperation and Location
// headers; GET shows properties.instanceView (executionState, exitCode,
// output, error), as the RunCommands_Get example of api-version 2025-01-13
// does.
func (s *Server) serveRunCommand(w http.ResponseWriter, r *http.Request, fleetID, rcID, name string) {
	key := strings.ToLower(rcID)
	switch r.Method {
	case http.MethodPut:
		var in struct {
			Location   string `json:"location"`
			Properties struct {
				Source struct {
					Script string `json:"script"`
				} `json:"source"`
				AsyncExecution bool `json:"asyncExecution"`
			} `json:"properties"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeError(w, http.StatusBadRequest, "BadRequest", "invalid request body: "+err.Error())
			return
		}
		switch {
		case in.Location == "":
			writeError(w, http.StatusBadRequest, "InvalidParameter", "The 'location' property is required.")
			return
		case !isInventoryScript(in.Properties.Source.Script) || in.Properties.AsyncExecution:
			writeError(w, http.StatusBadRequest, "InvalidParameter", "the emulator runs only the provider's inventory scripts, synchronously")
			return
		}
		op := s.beginOperation(w, fleetID, "runCommands", arcNS, func(ctx context.Context) (any, *armError) {
			out, aerr := s.inventoryText(ctx, fleetID)
			return out, aerr
		})
		if op == nil {
			return
		}
		rc := &arcRunCommand{id: rcID, name: name, location: in.Location, script: in.Properties.Source.Script, op: op}
		s.mu.Lock()
		s.runCommands[key] = rc
		s.mu.Unlock()
		s.writeAccepted(w, r, op, http.StatusCreated, s.runCommandBody(rc))
	case http.MethodGet:
		s.mu.Lock()
		rc := s.runCommands[key]
		s.mu.Unlock()
		if rc == nil {
			writeError(w, http.StatusNotFound, "ResourceNotFound", "The run command '"+name+"' was not found.")
			return
		}
		writeJSON(w, http.StatusOK, s.runCommandBody(rc))
	case http.MethodDelete:
		s.mu.Lock()
		_, ok := s.runCommands[key]
		delete(s.runCommands, key)
		s.mu.Unlock()
		if !ok {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusOK)
	default:
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" runCommands is not served")
	}
}

// RunCommands returns how many run commands exist (created, not deleted).
func (s *Server) RunCommands() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.runCommands)
}

// runCommandBody is the run command resource as GET shows it.
func (s *Server) runCommandBody(rc *arcRunCommand) map[string]any {
	view := map[string]any{"executionState": "Running", "executionMessage": "", "startTime": rc.op.start.Format(time.RFC3339Nano)}
	state := "Creating"
	if rc.op.finished() {
		s.mu.Lock()
		out, aerr, end := rc.op.result, rc.op.err, rc.op.end
		s.mu.Unlock()
		view["endTime"] = end.Format(time.RFC3339Nano)
		if aerr != nil {
			state, view["executionState"], view["exitCode"], view["error"] = "Failed", "Failed", 1, aerr.Message
		} else {
			state, view["executionState"], view["exitCode"], view["output"], view["error"] = "Succeeded", "Succeeded", 0, out, ""
		}
	}
	return map[string]any{"id": rc.id, "name": rc.name, "type": "Microsoft.HybridCompute/machines/runcommands", "location": rc.location,
		"properties": map[string]any{"source": map[string]string{"script": rc.script}, "asyncExecution": false,
			"provisioningState": state, "instanceView": view}}
}

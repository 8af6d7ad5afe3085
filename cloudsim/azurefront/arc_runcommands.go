package azurefront

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// arcRunCommand is a Machine Run Command of an Arc machine
// (https://learn.microsoft.com/rest/api/hybridcompute/machine-run-commands):
// one of the provider's inventory scripts or, when its name starts with
// healthRunPrefix, a health check (arc_healthcommand.go).
type arcRunCommand struct {
	id, name, location, script string
	// check marks a health check; timeout is its timeoutInSeconds.
	check   bool
	timeout time.Duration
	op      *operation
}

// serveRunCommand serves PUT, GET and DELETE of a run command. PUT runs
// the script (the provider's inventory scripts, or a health check) as a
// long-running operation answered 201 with the Azure-AsyncOperation and
// Location headers; GET shows properties.instanceView (executionState,
// exitCode, output, error), as the RunCommands_Get example of api-version
// 2025-01-13 does.
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
				AsyncExecution   bool `json:"asyncExecution"`
				TimeoutInSeconds int  `json:"timeoutInSeconds"`
			} `json:"properties"`
		}
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeError(w, http.StatusBadRequest, "BadRequest", "invalid request body: "+err.Error())
			return
		}
		rc := &arcRunCommand{id: rcID, name: name, location: in.Location, script: in.Properties.Source.Script,
			check: strings.HasPrefix(strings.ToLower(name), healthRunPrefix)}
		var run opFunc
		switch {
		case rc.check && (in.Location == "" || rc.script == "" || in.Properties.AsyncExecution):
			writeError(w, http.StatusBadRequest, "InvalidParameter", "location and properties.source.script are required; the emulator runs checks synchronously")
			return
		case rc.check:
			rc.timeout = time.Duration(in.Properties.TimeoutInSeconds) * time.Second
			if rc.timeout <= 0 {
				rc.timeout = runCommandMaxTime
			}
			run = s.arcCheck(fleetID, rc.script, rc.timeout)
		case in.Location == "":
			writeError(w, http.StatusBadRequest, "InvalidParameter", "The 'location' property is required.")
			return
		case !isInventoryScript(rc.script) || in.Properties.AsyncExecution:
			writeError(w, http.StatusBadRequest, "InvalidParameter", "the emulator runs only the provider's inventory scripts, synchronously")
			return
		default:
			run = func(ctx context.Context) (any, *armError) {
				out, aerr := s.inventoryText(ctx, fleetID)
				return out, aerr
			}
		}
		if rc.op = s.beginOperation(w, fleetID, "runCommands", arcNS, run); rc.op == nil {
			return
		}
		s.mu.Lock()
		s.runCommands[key] = rc
		s.mu.Unlock()
		s.writeAccepted(w, r, rc.op, http.StatusCreated, s.runCommandBody(rc))
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

// RunCommands returns how many run commands exist (created, not deleted),
// inventory scripts and health checks.
func (s *Server) RunCommands() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.runCommands)
}

// runCommandBody is the run command resource as GET shows it (a check's
// with its timeoutInSeconds).
func (s *Server) runCommandBody(rc *arcRunCommand) map[string]any {
	view := map[string]any{"executionState": "Running", "executionMessage": "", "startTime": rc.op.start.Format(time.RFC3339Nano)}
	state := "Creating"
	if rc.op.finished() {
		s.mu.Lock()
		result, aerr, end := rc.op.result, rc.op.err, rc.op.end
		s.mu.Unlock()
		view["endTime"] = end.Format(time.RFC3339Nano)
		switch {
		case rc.check:
			state = checkView(view, result, aerr, rc.timeout)
		case aerr != nil:
			state, view["executionState"], view["exitCode"], view["error"] = "Failed", "Failed", 1, aerr.Message
		default:
			state, view["executionState"], view["exitCode"], view["output"], view["error"] = "Succeeded", "Succeeded", 0, result, ""
		}
	}
	props := map[string]any{"source": map[string]string{"script": rc.script}, "asyncExecution": false,
		"provisioningState": state, "instanceView": view}
	if rc.check {
		props["timeoutInSeconds"] = int(rc.timeout / time.Second)
	}
	return map[string]any{"id": rc.id, "name": rc.name, "type": "Microsoft.HybridCompute/machines/runcommands", "location": rc.location,
		"properties": props}
}

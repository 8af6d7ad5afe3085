package azurefront

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// operation is one long-running operation.
type operation struct {
	// ns is the resource provider whose operation URLs serve it
	// (Microsoft.Compute or Microsoft.HybridCompute).
	id, ns, sub, loc, fleetID string
	start                     time.Time
	done                      chan struct{}
	// set once done
	end    time.Time
	result any
	err    *armError
}

// opFunc runs an operation's work: its result body, or an ARM error.
type opFunc func(ctx context.Context) (any, *armError)

// startOperation runs a VM operation in the background and answers 202
// Accepted with its Azure-AsyncOperation and Location headers.
func (s *Server) startOperation(w http.ResponseWriter, r *http.Request, fleetID, name string, fn opFunc) {
	if op := s.beginOperation(w, fleetID, name, computeNS, fn); op != nil {
		s.writeAccepted(w, r, op, http.StatusAccepted, nil)
	}
}

// Resource provider namespaces of the operation URLs.
const (
	computeNS = "Microsoft.Compute"
	arcNS     = "Microsoft.HybridCompute"
)

// beginOperation runs fn in the background as an operation of namespace
// ns. One operation runs per machine at a time; another is refused with
// 409 (written to w, and nil returned), as ARM refuses a second patch
// operation on a machine.
func (s *Server) beginOperation(w http.ResponseWriter, fleetID, name, ns string, fn opFunc) *operation {
	in, _ := s.fleet.Instance(fleetID)
	s.mu.Lock()
	if running := s.busy[fleetID]; running != "" {
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "OperationNotAllowed",
			fmt.Sprintf("Operation '%s' is not allowed since the machine '%s' has another operation in progress (%s).", name, in.Name, running))
		return nil
	}
	s.seq++
	op := &operation{id: fmt.Sprintf("%08x-0000-4000-8000-%012x", s.seq, s.seq), ns: ns, sub: in.Account, loc: in.Region,
		fleetID: fleetID, start: time.Now().UTC(), done: make(chan struct{})}
	s.ops[op.id] = op
	s.busy[fleetID] = name
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		res, aerr := fn(s.ctx)
		s.mu.Lock()
		op.result, op.err, op.end = res, aerr, time.Now().UTC()
		delete(s.busy, fleetID)
		s.mu.Unlock()
		close(op.done)
	}()
	return op
}

// writeAccepted answers the start of op with status (202, or 201 for a
// PUT), its Azure-AsyncOperation and Location headers and body, if any.
func (s *Server) writeAccepted(w http.ResponseWriter, r *http.Request, op *operation, status int, body any) {
	base := "https://" + r.Host + "/subscriptions/" + op.sub + "/providers/" + op.ns + "/locations/" + op.loc + "/operations/" + op.id
	api := r.URL.Query().Get("api-version")
	w.Header().Set("Azure-AsyncOperation", base+"?api-version="+api)
	w.Header().Set("Location", base+"?monitor=true&api-version="+api)
	if body != nil {
		writeJSON(w, status, body)
		return
	}
	w.WriteHeader(status)
}

func (s *Server) operation(id string) *operation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ops[id]
}

// finished reports whether the operation is done.
func (op *operation) finished() bool {
	select {
	case <-op.done:
		return true
	default:
		return false
	}
}

// serveOperationStatus answers the Azure-AsyncOperation URL:
// {"status":"InProgress"|"Succeeded"|"Failed", ...}.
func (s *Server) serveOperationStatus(w http.ResponseWriter, id string) {
	op := s.operation(id)
	if op == nil {
		writeError(w, http.StatusNotFound, "NotFound", "operation "+id+" not found")
		return
	}
	body := map[string]any{"name": id, "startTime": op.start.Format(time.RFC3339Nano), "status": "InProgress"}
	if op.finished() {
		body["endTime"] = op.end.Format(time.RFC3339Nano)
		if op.err != nil {
			body["status"], body["error"] = "Failed", op.err
		} else {
			body["status"], body["properties"] = "Succeeded", map[string]any{"output": op.result}
		}
	}
	writeJSON(w, http.StatusOK, body)
}

// serveOperationResult answers the Location URL: 202 while running, then
// the operation's result.
func (s *Server) serveOperationResult(w http.ResponseWriter, r *http.Request, id string) {
	op := s.operation(id)
	switch {
	case op == nil:
		writeError(w, http.StatusNotFound, "NotFound", "operation "+id+" not found")
	case !op.finished():
		w.Header().Set("Location", "https://"+r.Host+r.URL.RequestURI())
		w.WriteHeader(http.StatusAccepted)
	case op.err != nil:
		writeJSON(w, http.StatusOK, map[string]any{"error": op.err})
	default:
		writeJSON(w, http.StatusOK, op.result)
	}
}

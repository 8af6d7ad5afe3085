package azurefront

import "time"

// Call is one request in the emulator's call log.
type Call struct {
	Method string `json:"method"`
	// Path is the request's URL path.
	Path string `json:"path"`
	// Op is the operation: resources, instanceView, assessPatches,
	// installPatches, runCommand, operationStatus, operationResult,
	// arcMachine.
	Op string `json:"op"`
	// Resource is the machine's resource ID (or the operation ID).
	Resource string `json:"resource,omitempty"`
	// Status is the HTTP status answered; Error the ARM error code.
	Status int       `json:"status"`
	Error  string    `json:"error,omitempty"`
	At     time.Time `json:"at"`
}

// Calls returns a copy of the call log, in arrival order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Count returns how many calls of op on the resource ("" for any) were
// accepted (answered below 300).
func (s *Server) Count(op, resource string) int {
	n := 0
	for _, c := range s.Calls() {
		if c.Op == op && (resource == "" || c.Resource == resource) && c.Status < 300 {
			n++
		}
	}
	return n
}

func (s *Server) record(c Call) {
	c.At = time.Now()
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}

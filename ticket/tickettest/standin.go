// Package tickettest is a local stand-in for a ServiceNow instance: the few
// Table API and Attachment API calls package ticket makes, answered as
// ServiceNow documents them, with every request checked (method, path,
// query, Authorization, Accept and Content-Type headers, JSON fields) and
// a normal change's state transitions enforced. A request the stand-in
// does not expect fails the test.
package tickettest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// Request is one request the stand-in received.
type Request struct {
	Method, Path, RawQuery string
	// Auth is the Authorization header.
	Auth        string
	ContentType string
	Body        []byte
}

// Change is a change request the stand-in keeps.
type Change struct {
	SysID, Number, State, CorrelationID, CorrelationDisplay        string
	ShortDescription, Description, Type, AssignmentGroup, Category string
	CloseCode, CloseNotes, WorkNotes                               string
}

// Active reports whether the change is neither closed nor canceled.
func (c Change) Active() bool { return c.State != "3" && c.State != "4" }

// File is an attachment the stand-in keeps.
type File struct {
	SysID, TableName, TableSysID, FileName, ContentType string
	Data                                                []byte
}

// Server is the stand-in. Its fields are read and set under its lock
// through the methods; Auth is fixed before the first request.
type Server struct {
	*httptest.Server
	t testing.TB
	// Auth is the Authorization header every request must carry; others
	// are answered 401.
	Auth string
	// Groups maps assignment group names to sys_ids.
	Groups map[string]string

	mu       sync.Mutex
	requests []Request
	changes  []*Change
	files    []*File
	fail     []int
	failOn   map[string][]int
	seq      int
}

// New starts a stand-in that expects the Authorization header auth.
func New(t testing.TB, auth string) *Server {
	s := &Server{t: t, Auth: auth, Groups: map[string]string{}, failOn: map[string][]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// FailNext answers the next len(statuses) requests with these statuses
// (and a ServiceNow error body), before looking at them.
func (s *Server) FailNext(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = append(s.fail, statuses...)
}

// FailOn answers the next len(statuses) requests with this method and
// path with these statuses (and a ServiceNow error body).
func (s *Server) FailOn(method, path string, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failOn[method+" "+path] = append(s.failOn[method+" "+path], statuses...)
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Count is the number of requests received with this method whose path
// is path.
func (s *Server) Count(method, path string) int {
	n := 0
	for _, r := range s.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

// Changes returns copies of the change requests.
func (s *Server) Changes() []Change {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Change, len(s.changes))
	for i, c := range s.changes {
		out[i] = *c
	}
	return out
}

// Files returns copies of the attachments.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, len(s.files))
	for i, f := range s.files {
		out[i] = *f
		out[i].Data = append([]byte(nil), f.Data...)
	}
	return out
}

// AddChange stores a change request as if someone had opened it, and
// returns its sys_id.
func (s *Server) AddChange(c Change) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.SysID, c.Number = s.nextIDs()
	if c.State == "" {
		c.State = "-5"
	}
	s.changes = append(s.changes, &c)
	return c.SysID
}

// nextIDs returns a new sys_id and change number; the lock is held.
func (s *Server) nextIDs() (sysID, number string) {
	s.seq++
	return fmt.Sprintf("%032x", 0xc0ffee0000+s.seq), fmt.Sprintf("CHG%07d", 30000+s.seq)
}

// errorf fails the test and answers 400 with ServiceNow's error body.
func (s *Server) errorf(w http.ResponseWriter, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.t.Errorf("servicenow stand-in: %s", msg)
	writeError(w, http.StatusBadRequest, msg)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"detail":"stand-in"},"status":"failure"}`, msg)
}

// serve checks what every request has in common, then routes it.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	req, err := record(r)
	if err != nil {
		s.errorf(w, "read the body: %v", err)
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	var status int
	if len(s.fail) > 0 {
		status, s.fail = s.fail[0], s.fail[1:]
	} else if q := s.failOn[r.Method+" "+r.URL.Path]; len(q) > 0 {
		status, s.failOn[r.Method+" "+r.URL.Path] = q[0], q[1:]
	}
	s.mu.Unlock()
	if status != 0 {
		writeError(w, status, "injected failure")
		return
	}
	if req.Auth != s.Auth {
		writeError(w, http.StatusUnauthorized, "User Not Authenticated")
		return
	}
	if a := r.Header.Get("Accept"); a != "application/json" {
		s.errorf(w, "%s %s: Accept is %q, not application/json", r.Method, r.URL.Path, a)
		return
	}
	switch {
	case r.URL.Path == "/api/now/table/change_request":
		s.changeTable(w, r, req)
	case strings.HasPrefix(r.URL.Path, "/api/now/table/change_request/"):
		s.changeRecord(w, r, req, strings.TrimPrefix(r.URL.Path, "/api/now/table/change_request/"))
	case r.URL.Path == "/api/now/table/sys_user_group" && r.Method == http.MethodGet:
		s.groups(w, r)
	case r.URL.Path == "/api/now/attachment" && r.Method == http.MethodGet:
		s.listFiles(w, r)
	case r.URL.Path == "/api/now/attachment/file" && r.Method == http.MethodPost:
		s.addFile(w, r, req)
	default:
		s.errorf(w, "unexpected %s %s", r.Method, r.URL.Path)
	}
}

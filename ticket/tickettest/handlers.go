package tickettest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// wantFields is the sysparm_fields package ticket asks for on change
// requests.
const wantFields = "sys_id,number,state,correlation_id"

// createFields are the fields a new change may carry; required ones are
// true.
var createFields = map[string]bool{
	"short_description": true, "description": false, "type": true, "correlation_id": true,
	"correlation_display": false, "assignment_group": false, "category": false,
}

// updateFields are the fields an update may carry.
var updateFields = map[string]bool{"state": true, "close_code": true, "close_notes": true, "work_notes": true}

// transitions are the state changes the stand-in allows: a normal change
// moves to Implement (from New on: a real instance's change model may ask
// for Assess and Authorize first), Implement to Review, Review to Closed,
// and anything before Review to Canceled.
var transitions = map[string][]string{
	"-5": {"-1", "4"}, "-4": {"-1", "4"}, "-3": {"-1", "4"}, "-2": {"-1", "4"},
	"-1": {"0", "4"}, "0": {"3"},
}

var closeCodes = map[string]bool{"successful": true, "successful_issues": true, "unsuccessful": true}

func record(r *http.Request) (Request, error) {
	b, err := io.ReadAll(r.Body)
	return Request{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Auth: r.Header.Get("Authorization"),
		ContentType: r.Header.Get("Content-Type"), Body: b}, err
}

// result answers {"result": v}.
func result(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"result": v})
}

func (c *Change) fields() map[string]string {
	return map[string]string{"sys_id": c.SysID, "number": c.Number, "state": c.State, "correlation_id": c.CorrelationID}
}

// checkFieldsQuery checks the query of an answer that returns a change.
func (s *Server) checkFieldsQuery(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	if q.Get("sysparm_fields") != wantFields || q.Get("sysparm_exclude_reference_link") != "true" {
		s.errorf(w, "%s %s: sysparm_fields %q, sysparm_exclude_reference_link %q", r.Method, r.URL.Path,
			q.Get("sysparm_fields"), q.Get("sysparm_exclude_reference_link"))
		return false
	}
	return true
}

// jsonBody decodes a JSON object of strings and checks its keys.
func (s *Server) jsonBody(w http.ResponseWriter, r *http.Request, req Request, allowed map[string]bool, required bool) (map[string]string, bool) {
	if req.ContentType != "application/json" {
		s.errorf(w, "%s %s: Content-Type %q, not application/json", r.Method, r.URL.Path, req.ContentType)
		return nil, false
	}
	var body map[string]string
	d := json.NewDecoder(bytes.NewReader(req.Body))
	if err := d.Decode(&body); err != nil {
		s.errorf(w, "%s %s: body is not a JSON object of strings: %v", r.Method, r.URL.Path, err)
		return nil, false
	}
	for k := range body {
		if _, ok := allowed[k]; !ok {
			s.errorf(w, "%s %s: unexpected field %q", r.Method, r.URL.Path, k)
			return nil, false
		}
	}
	if required {
		keys := make([]string, 0, len(allowed))
		for k := range allowed {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if allowed[k] && body[k] == "" {
				s.errorf(w, "%s %s: field %q is required", r.Method, r.URL.Path, k)
				return nil, false
			}
		}
	}
	return body, true
}

// changeTable finds (GET) or creates (POST) change requests.
func (s *Server) changeTable(w http.ResponseWriter, r *http.Request, req Request) {
	if !s.checkFieldsQuery(w, r) {
		return
	}
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		id, ok := strings.CutPrefix(q.Get("sysparm_query"), "correlation_id=")
		id, ok2 := strings.CutSuffix(id, "^active=true^ORDERBYsys_created_on")
		if !ok || !ok2 || q.Get("sysparm_limit") != "1" {
			s.errorf(w, "GET change_request: sysparm_query %q, sysparm_limit %q", q.Get("sysparm_query"), q.Get("sysparm_limit"))
			return
		}
		s.mu.Lock()
		found := []map[string]string{}
		for _, c := range s.changes {
			if c.CorrelationID == id && c.Active() {
				found = append(found, c.fields())
				break
			}
		}
		s.mu.Unlock()
		result(w, http.StatusOK, found)
	case http.MethodPost:
		body, ok := s.jsonBody(w, r, req, createFields, true)
		if !ok {
			return
		}
		if body["type"] != "normal" {
			s.errorf(w, "POST change_request: type %q, not normal", body["type"])
			return
		}
		s.mu.Lock()
		c := &Change{State: "-5", CorrelationID: body["correlation_id"], CorrelationDisplay: body["correlation_display"],
			ShortDescription: body["short_description"], Description: body["description"], Type: body["type"],
			AssignmentGroup: body["assignment_group"], Category: body["category"]}
		c.SysID, c.Number = s.nextIDs()
		s.changes = append(s.changes, c)
		f := c.fields()
		s.mu.Unlock()
		w.Header().Set("Location", s.URL+"/api/now/table/change_request/"+c.SysID)
		result(w, http.StatusCreated, f)
	default:
		s.errorf(w, "unexpected %s change_request", r.Method)
	}
}

// changeRecord reads (GET) or updates (PATCH) one change request.
func (s *Server) changeRecord(w http.ResponseWriter, r *http.Request, req Request, sysID string) {
	if !s.checkFieldsQuery(w, r) {
		return
	}
	s.mu.Lock()
	var c *Change
	for _, x := range s.changes {
		if x.SysID == sysID {
			c = x
		}
	}
	s.mu.Unlock()
	if c == nil {
		writeError(w, http.StatusNotFound, "No Record found")
		return
	}
	switch r.Method {
	case http.MethodGet:
		s.mu.Lock()
		f := c.fields()
		s.mu.Unlock()
		result(w, http.StatusOK, f)
	case http.MethodPatch:
		body, ok := s.jsonBody(w, r, req, updateFields, false)
		if !ok {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if to, ok := body["state"]; ok && to != c.State {
			if !allowed(c.State, to) {
				writeError(w, http.StatusForbidden, "Invalid state transition from "+c.State+" to "+to)
				return
			}
			if to == "3" && (!closeCodes[firstOf(body["close_code"], c.CloseCode)] || firstOf(body["close_notes"], c.CloseNotes) == "") {
				writeError(w, http.StatusForbidden, "Data Policy Exception: Close code, Close notes are mandatory")
				return
			}
			c.State = to
		}
		if v, ok := body["close_code"]; ok {
			if !closeCodes[v] {
				s.t.Errorf("servicenow stand-in: close_code %q", v)
			}
			c.CloseCode = v
		}
		if v, ok := body["close_notes"]; ok {
			c.CloseNotes = v
		}
		if v, ok := body["work_notes"]; ok {
			c.WorkNotes = v
		}
		result(w, http.StatusOK, c.fields())
	default:
		s.errorf(w, "unexpected %s change_request/%s", r.Method, sysID)
	}
}

func allowed(from, to string) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// groups finds an assignment group by name.
func (s *Server) groups(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	name, ok := strings.CutPrefix(q.Get("sysparm_query"), "name=")
	if !ok || q.Get("sysparm_fields") != "sys_id" {
		s.errorf(w, "GET sys_user_group: sysparm_query %q, sysparm_fields %q", q.Get("sysparm_query"), q.Get("sysparm_fields"))
		return
	}
	found := []map[string]string{}
	if id, ok := s.Groups[name]; ok {
		found = append(found, map[string]string{"sys_id": id})
	}
	result(w, http.StatusOK, found)
}

// listFiles lists a change's attachments of one name.
func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(r.URL.Query().Get("sysparm_query"), "^")
	want := map[string]string{}
	for _, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		want[k] = v
	}
	if len(parts) != 3 || want["table_name"] != "change_request" || want["table_sys_id"] == "" || want["file_name"] == "" {
		s.errorf(w, "GET attachment: sysparm_query %q", r.URL.Query().Get("sysparm_query"))
		return
	}
	s.mu.Lock()
	found := []map[string]string{}
	for _, f := range s.files {
		if f.TableName == want["table_name"] && f.TableSysID == want["table_sys_id"] && f.FileName == want["file_name"] {
			found = append(found, f.meta())
		}
	}
	s.mu.Unlock()
	result(w, http.StatusOK, found)
}

func (f *File) meta() map[string]string {
	return map[string]string{"sys_id": f.SysID, "file_name": f.FileName, "table_name": f.TableName,
		"table_sys_id": f.TableSysID, "content_type": f.ContentType, "size_bytes": strconv.Itoa(len(f.Data))}
}

// addFile attaches the body to a record.
func (s *Server) addFile(w http.ResponseWriter, r *http.Request, req Request) {
	q := r.URL.Query()
	if q.Get("table_name") != "change_request" || q.Get("table_sys_id") == "" || q.Get("file_name") == "" {
		writeError(w, http.StatusBadRequest, "table_name, table_sys_id and file_name are mandatory")
		s.t.Errorf("servicenow stand-in: POST attachment/file query %q", r.URL.RawQuery)
		return
	}
	if req.ContentType == "" {
		s.errorf(w, "POST attachment/file without Content-Type")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	exists := false
	for _, c := range s.changes {
		exists = exists || c.SysID == q.Get("table_sys_id")
	}
	if !exists {
		writeError(w, http.StatusNotFound, "Record not found")
		return
	}
	s.seq++
	f := &File{SysID: fmt.Sprintf("%032x", 0xf11e0000+s.seq), TableName: q.Get("table_name"), TableSysID: q.Get("table_sys_id"),
		FileName: q.Get("file_name"), ContentType: req.ContentType, Data: req.Body}
	s.files = append(s.files, f)
	w.Header().Set("Location", s.URL+"/api/now/attachment/"+f.SysID)
	result(w, http.StatusCreated, f.meta())
}

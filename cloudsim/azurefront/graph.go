package azurefront

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// graphRequest is the body of a Resource Graph query
// (https://learn.microsoft.com/rest/api/azureresourcegraph/resourcegraph/resources/resources).
type graphRequest struct {
	Subscriptions []string `json:"subscriptions"`
	Query         string   `json:"query"`
	Options       struct {
		Top       int    `json:"$top"`
		SkipToken string `json:"$skipToken"`
	} `json:"options"`
}

// graphFilter is what the emulator understands of a query: the clauses
// that providers/azure sends, nothing else.
type graphFilter struct {
	rgs, locations []string
	tags           map[string]string
}

const machineTypes = "type =~ 'microsoft.compute/virtualmachines' or type =~ 'microsoft.hybridcompute/machines'"

// parseQuery parses the provider's query; anything else is refused.
func parseQuery(q string) (graphFilter, error) {
	f := graphFilter{tags: map[string]string{}}
	lines := strings.Split(strings.TrimSpace(q), "\n")
	if len(lines) == 0 || strings.TrimSpace(lines[0]) != "resources" {
		return f, fmt.Errorf("the query must start with the resources table")
	}
	for _, l := range lines[1:] {
		l = strings.TrimSpace(l)
		switch {
		case l == "| where "+machineTypes, l == "| order by id asc", strings.HasPrefix(l, "| project "):
		case strings.HasPrefix(l, "| where resourceGroup in~ ("):
			vals, err := quotedList(strings.TrimPrefix(l, "| where resourceGroup in~ "))
			if err != nil {
				return f, err
			}
			f.rgs = vals
		case strings.HasPrefix(l, "| where location in~ ("):
			vals, err := quotedList(strings.TrimPrefix(l, "| where location in~ "))
			if err != nil {
				return f, err
			}
			f.locations = vals
		case strings.HasPrefix(l, "| where tags["):
			rest := strings.TrimPrefix(l, "| where tags[")
			k, rest, err := quoted(rest)
			if err != nil {
				return f, err
			}
			rest, ok := strings.CutPrefix(rest, "] =~ ")
			if !ok {
				return f, fmt.Errorf("unsupported tag clause %q", l)
			}
			v, rest, err := quoted(rest)
			if err != nil || rest != "" {
				return f, fmt.Errorf("unsupported tag clause %q", l)
			}
			f.tags[k] = v
		default:
			return f, fmt.Errorf("the emulator does not understand %q", l)
		}
	}
	return f, nil
}

// quoted reads one KQL single-quoted string from the start of s.
func quoted(s string) (string, string, error) {
	if !strings.HasPrefix(s, "'") {
		return "", s, fmt.Errorf("expected a quoted string at %q", s)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '\'':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(s[i])
		}
	}
	return "", "", fmt.Errorf("unterminated string in %q", s)
}

// quotedList reads "('a', 'b')".
func quotedList(s string) ([]string, error) {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") || !strings.HasSuffix(s, ")") {
		return nil, fmt.Errorf("expected a list at %q", s)
	}
	s = s[1 : len(s)-1]
	var out []string
	for s != "" {
		v, rest, err := quoted(strings.TrimSpace(s))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		s = strings.TrimPrefix(strings.TrimSpace(rest), ",")
	}
	return out, nil
}

func inFold(list []string, v string) bool {
	return len(list) == 0 || slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, v) })
}

// serveGraph answers a query with the matching machines, a page at a time.
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	var req graphRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "invalid request body: "+err.Error())
		return
	}
	var rows []map[string]any
	var err error
	if isPatchTable(req.Query) {
		rows, err = s.patchGraphRows(req)
	} else {
		rows, err = s.machineRows(req)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidQuery", "Query is invalid. "+err.Error())
		return
	}
	s.writePage(w, req, rows)
}

// machineRows answers the provider's discovery query.
func (s *Server) machineRows(req graphRequest) ([]map[string]any, error) {
	f, err := parseQuery(req.Query)
	if err != nil {
		return nil, err
	}
	var rows []map[string]any
	for _, in := range s.fleet.Instances() {
		if in.Cloud != fleet.CloudAzure || !inFold(req.Subscriptions, in.Account) || !inFold(f.rgs, in.ResourceGroup) || !inFold(f.locations, in.Region) {
			continue
		}
		match := true
		for k, v := range f.tags {
			match = match && strings.EqualFold(in.Tags[k], v)
		}
		if match {
			rows = append(rows, s.graphRow(in))
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i]["id"].(string) < rows[j]["id"].(string) })
	return rows, nil
}

// writePage answers a page of rows, from $skipToken, at most $top and
// Options.PageSize rows.
func (s *Server) writePage(w http.ResponseWriter, req graphRequest, rows []map[string]any) {
	offset := 0
	if req.Options.SkipToken != "" {
		b, err := base64.StdEncoding.DecodeString(req.Options.SkipToken)
		if offset, err = strconv.Atoi(string(b)); err != nil {
			writeError(w, http.StatusBadRequest, "BadRequest", "invalid $skipToken")
			return
		}
	}
	size := s.opts.PageSize
	if req.Options.Top > 0 {
		size = min(size, req.Options.Top)
	}
	end := min(offset+size, len(rows))
	page := rows[min(offset, len(rows)):end]
	body := map[string]any{"totalRecords": len(rows), "count": len(page), "data": page, "resultTruncated": "false"}
	if end < len(rows) {
		body["$skipToken"] = base64.StdEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	writeJSON(w, http.StatusOK, body)
}

// graphRow is the projected row of a machine.
func (s *Server) graphRow(in fleet.Instance) map[string]any {
	osType, osName, osVersion := osView(in)
	row := map[string]any{"id": in.ID, "name": in.Name, "type": "microsoft.compute/virtualmachines", "location": in.Region,
		"resourceGroup": in.ResourceGroup, "subscriptionId": in.Account, "tags": in.Tags,
		"osType": osType, "osName": osName, "osVersion": osVersion, "powerState": "PowerState/running", "arcStatus": ""}
	if aid := s.fleetArc[in.ID]; aid != "" {
		row["id"], row["type"], row["powerState"], row["arcStatus"] = aid, "microsoft.hybridcompute/machines", "", "Connected"
		if in.Unreachable != "" {
			row["arcStatus"] = "Disconnected"
		}
	} else if s.isDeallocated(in.ID) {
		row["powerState"] = "PowerState/deallocated"
	}
	return row
}

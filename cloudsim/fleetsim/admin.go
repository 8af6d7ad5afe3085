package fleetsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// CallsResponse is GET /admin/calls: both emulators' call logs in arrival
// order, from the offsets asked (?aws-from=N&azure-from=M).
type CallsResponse struct {
	AWS   []awsfront.Call   `json:"aws"`
	Azure []azurefront.Call `json:"azure"`
}

// InstallsResponse is GET /admin/installs: the fleet's install journal.
type InstallsResponse struct {
	Records []cloudsim.InstallRecord `json:"records"`
	// Dropped counts records not kept because an instance's journal was
	// full; a checker must not trust the journal when it is not 0.
	Dropped int `json:"dropped"`
	// Arc maps the fleet IDs of the VMs presented as Arc machines to the
	// Arc resource IDs that workers and reports use.
	Arc map[string]string `json:"arc,omitempty"`
}

// InventoryResponse is GET /admin/inventory: installed packages now.
type InventoryResponse struct {
	Instances []fleet.Inventory `json:"instances"`
}

// adminHandler serves the admin API under /admin/.
func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/calls", s.serveCalls)
	mux.HandleFunc("GET /admin/installs", s.serveInstalls)
	mux.HandleFunc("GET /admin/inventory", s.serveInventory)
	mux.HandleFunc("GET /admin/faults", s.serveFaults)
	mux.HandleFunc("POST /admin/faults", s.setFaults)
	return mux
}

func (s *Server) serveCalls(w http.ResponseWriter, r *http.Request) {
	awsFrom, err1 := offset(r, "aws-from")
	azureFrom, err2 := offset(r, "azure-from")
	if err := errors.Join(err1, err2); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("not a call count: %w", err))
		return
	}
	resp := CallsResponse{AWS: []awsfront.Call{}, Azure: []azurefront.Call{}}
	if aws := s.aws.Calls(); awsFrom < len(aws) {
		resp.AWS = aws[awsFrom:]
	}
	if azure := s.azure.Calls(); azureFrom < len(azure) {
		resp.Azure = azure[azureFrom:]
	}
	writeJSON(w, resp)
}

func (s *Server) serveInstalls(w http.ResponseWriter, r *http.Request) {
	recs, dropped := s.fleet.Journal(ids(r)...)
	if recs == nil {
		recs = []cloudsim.InstallRecord{}
	}
	writeJSON(w, InstallsResponse{Records: recs, Dropped: dropped, Arc: s.arc})
}

func (s *Server) serveInventory(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, InventoryResponse{Instances: s.fleet.Installed(ids(r)...)})
}

func (s *Server) serveFaults(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, s.fleet.Faults())
}

// setFaults replaces the fleet's faults with the body (a cloudsim.Faults)
// and answers with the faults now in force.
func (s *Server) setFaults(w http.ResponseWriter, r *http.Request) {
	var fs cloudsim.Faults
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fs); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("the body must be a cloudsim.Faults object: %w", err))
		return
	}
	if err := checkRates(fs); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	s.fleet.SetFaults(fs)
	writeJSON(w, s.fleet.Faults())
}

// checkRates refuses a rate outside 0..1.
func checkRates(fs cloudsim.Faults) error {
	rates := map[string]float64{"offlineRate": fs.OfflineRate, "scanFailureRate": fs.ScanFailureRate,
		"rebootHangRate": fs.RebootHangRate, "slowInstallRate": fs.SlowInstallRate, "throttleRate": fs.ThrottleRate}
	for i, pf := range fs.InstallFailures {
		rates["installFailures["+strconv.Itoa(i)+"].rate"] = pf.Rate
	}
	for name, v := range rates {
		if v < 0 || v > 1 {
			return fmt.Errorf("%s: %v is not a share from 0 to 1", name, v)
		}
	}
	return nil
}

// ids reads ?ids=a,b&ids=c (none: every instance).
func ids(r *http.Request) []string {
	var out []string
	for _, v := range r.URL.Query()["ids"] {
		for _, id := range strings.Split(v, ",") {
			if id = strings.TrimSpace(id); id != "" {
				out = append(out, id)
			}
		}
	}
	return out
}

// offset reads a non-negative count parameter (absent: 0).
func offset(r *http.Request, name string) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%s=%q", name, v)
	}
	return n, nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
}

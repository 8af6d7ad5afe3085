package azurefront

import (
	"net/http"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// osView returns the osName and osVersion an instanceView (and Resource
// Graph's properties.extended.instanceView) shows for an instance.
func osView(in fleet.Instance) (osType, name, version string) {
	if in.OS.IsWindows() {
		build := map[string]string{"2016": "10.0.14393", "2022": "10.0.20348"}[in.OSVersion]
		return "Windows", "Windows Server " + in.OSVersion + " Datacenter", build
	}
	return "Linux", "ubuntu", in.OSVersion
}

// serveVM serves the VM endpoints.
func (s *Server) serveVM(w http.ResponseWriter, r *http.Request, id, action string) {
	in, _ := s.fleet.Instance(id)
	if r.Method == http.MethodGet && action == "" {
		pv := s.patchView(w, r, in) // patch settings, instanceView (vm_patchview.go)
		defer pv.flush()
		w = pv
	}
	switch {
	case r.Method == http.MethodGet && action == "instanceView":
		s.serveInstanceView(w, in)
		return
	case r.Method == http.MethodGet && action == "":
		s.serveVMModel(w, in)
		return
	case r.Method != http.MethodPost:
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" "+action+" is not served")
		return
	}
	if s.powerOff(id) {
		writeError(w, http.StatusConflict, "OperationNotAllowed",
			"Operation '"+action+"' is not allowed on VM '"+in.Name+"' since the VM is deallocated.")
		return
	}
	switch action {
	case "assessPatches":
		s.startOperation(w, r, id, action, s.assess(id))
	case "installPatches":
		s.install(w, r, id)
	case "runCommand":
		s.runCommand(w, r, id)
	default:
		writeError(w, http.StatusNotFound, "NotFound", "the emulator does not serve POST "+action)
	}
}

// serveInstanceView answers a VM's instanceView: power state and VM agent.
func (s *Server) serveInstanceView(w http.ResponseWriter, in fleet.Instance) {
	writeJSON(w, http.StatusOK, s.instanceViewBody(in))
}

// instanceViewBody is a VM's instanceView, also in its GET with
// $expand=instanceView.
func (s *Server) instanceViewBody(in fleet.Instance) map[string]any {
	_, osName, osVersion := osView(in)
	now := s.fleet.Now().UTC().Format(time.RFC3339)
	body := map[string]any{"computerName": in.Name, "osName": osName, "osVersion": osVersion}
	power := map[string]any{"code": "PowerState/running", "level": "Info", "displayStatus": "VM running"}
	if s.powerOff(in.ID) {
		power = map[string]any{"code": "PowerState/deallocated", "level": "Info", "displayStatus": "VM deallocated"}
	} else {
		agent := map[string]any{"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Ready",
			"message": "Guest Agent is running", "time": now}
		if in.Unreachable != "" {
			agent = map[string]any{"code": "ProvisioningState/Unavailable", "level": "Warning", "displayStatus": "Not Ready",
				"message": in.Unreachable, "time": now}
		}
		body["vmAgent"] = map[string]any{"vmAgentVersion": s.vmAgentVersion(in.ID), "statuses": []any{agent}}
	}
	body["statuses"] = []any{map[string]any{"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded"}, power}
	return body
}

// serveArcMachine answers GET of an Arc machine: status Connected or
// Disconnected, and its OS.
func (s *Server) serveArcMachine(w http.ResponseWriter, id string) {
	in, _ := s.fleet.Instance(id)
	osType, osName, osVersion := osView(in)
	status := "Connected"
	agentVersion, off := s.arcAgent(id) // vm_patchview.go
	if in.Unreachable != "" || off {
		status = "Disconnected"
	}
	aid := s.fleetArc[id]
	writeJSON(w, http.StatusOK, map[string]any{
		"id": aid, "name": in.Name, "type": "Microsoft.HybridCompute/machines", "location": in.Region, "tags": in.Tags,
		"properties": map[string]any{"status": status, "osType": strings.ToLower(osType), "osName": osName, "osVersion": osVersion,
			"agentVersion": agentVersion},
	})
}

package azurefront

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// What a VM and an Arc machine show of the fleet's drift model
// (cloudsim.Fleet.Drift): the power state, the agent's version and the
// patch settings that a pre-flight check reads.

// powerOff reports whether a VM is deallocated: by Deallocate, or stopped
// in the fleet's drift model. Actions on it are refused, as Azure refuses
// them on a deallocated VM.
func (s *Server) powerOff(fleetID string) bool {
	if s.isDeallocated(fleetID) {
		return true
	}
	d, _ := s.fleet.Drift(fleetID)
	return d.Stopped
}

// vmAgentVersion is the VM agent's vmAgentVersion in an instanceView.
func (s *Server) vmAgentVersion(fleetID string) string {
	if d, ok := s.fleet.Drift(fleetID); ok {
		return d.AgentVersion
	}
	return cloudsim.DefaultVMAgentVersion
}

// arcAgent returns an Arc machine's agentVersion and whether it is off
// (Disconnected). The drift model's default agent version is the VM
// agent's; an Arc machine shows the Connected Machine agent's instead,
// unless the drift set another.
func (s *Server) arcAgent(fleetID string) (version string, off bool) {
	d, _ := s.fleet.Drift(fleetID)
	version = d.AgentVersion
	if version == "" || version == cloudsim.DefaultVMAgentVersion {
		version = cloudsim.DefaultArcAgentVersion
	}
	return version, d.Stopped
}

// patchSettings is a VM's osProfile.{linux,windows}Configuration.patchSettings
// (https://learn.microsoft.com/rest/api/compute/virtual-machines/get#patchsettings,
// #linuxpatchsettings): patchMode, assessmentMode, and for
// AutomaticByPlatform the automaticByPlatformSettings with
// bypassPlatformSafetyChecksOnUserSchedule, which Customer Managed
// Schedules set.
func patchSettings(d cloudsim.Drift) map[string]any {
	ps := map[string]any{"patchMode": d.PatchMode, "assessmentMode": "ImageDefault"}
	if d.PatchMode == cloudsim.PatchModeAutomaticByPlatform {
		ps["assessmentMode"] = "AutomaticByPlatform"
		ps["automaticByPlatformSettings"] = map[string]any{
			"rebootSetting": "IfRequired", "bypassPlatformSafetyChecksOnUserSchedule": d.BypassOnUserSchedule(),
		}
	}
	return ps
}

// patchView wraps the writer of a VM's GET: the VM model written through
// it gains properties.osProfile's patch settings and, with
// $expand=instanceView, properties.instanceView
// (https://learn.microsoft.com/rest/api/compute/virtual-machines/get).
// The caller calls flush once the model is written.
func (s *Server) patchView(w http.ResponseWriter, r *http.Request, in fleet.Instance) *patchViewWriter {
	return &patchViewWriter{ResponseWriter: w, s: s, in: in,
		expand: strings.EqualFold(r.URL.Query().Get("$expand"), "instanceView"), status: http.StatusOK}
}

// patchViewWriter holds the VM model until flush adds the patch view.
type patchViewWriter struct {
	http.ResponseWriter
	s      *Server
	in     fleet.Instance
	expand bool
	status int
	body   bytes.Buffer
}

// WriteHeader holds the status until flush.
func (w *patchViewWriter) WriteHeader(status int) { w.status = status }

// Write holds the body until flush.
func (w *patchViewWriter) Write(b []byte) (int, error) { return w.body.Write(b) }

// flush writes the model with the patch view added (an error answer, or a
// body that is not a JSON object, unchanged).
func (w *patchViewWriter) flush() {
	out := w.body.Bytes()
	var vm map[string]any
	if w.status == http.StatusOK && json.Unmarshal(out, &vm) == nil && vm != nil {
		w.add(vm)
		if b, err := json.Marshal(vm); err == nil {
			out = b
		}
	}
	w.ResponseWriter.Header().Set("Content-Length", strconv.Itoa(len(out)))
	w.ResponseWriter.WriteHeader(w.status)
	_, _ = w.ResponseWriter.Write(out)
}

// add puts the patch settings (and the instanceView) into the VM model,
// keeping what the model already has.
func (w *patchViewWriter) add(vm map[string]any) {
	d, _ := w.s.fleet.Drift(w.in.ID)
	props := child(vm, "properties")
	osProfile := child(props, "osProfile")
	if _, ok := osProfile["computerName"]; !ok {
		osProfile["computerName"] = w.in.Name
	}
	config := "linuxConfiguration"
	if w.in.OS.IsWindows() {
		config = "windowsConfiguration"
	}
	child(osProfile, config)["patchSettings"] = patchSettings(d)
	if w.expand {
		props["instanceView"] = w.s.instanceViewBody(w.in)
	}
}

// child returns m[key] as an object, made when absent.
func child(m map[string]any, key string) map[string]any {
	if c, ok := m[key].(map[string]any); ok {
		return c
	}
	c := map[string]any{}
	m[key] = c
	return c
}

package azurefront

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// azureClass is the classification Azure reports for a fleet patch:
// Windows in the assessment's display spelling, Linux Security or Other.
func azureClass(p fleet.Patch) string {
	if p.OS.IsWindows() {
		return map[string]string{"SecurityUpdates": "Security Updates", "CriticalUpdates": "Critical Updates",
			"DefinitionUpdates": "Definition Updates", "UpdateRollups": "Update Rollups"}[p.Classification]
	}
	if p.IsSecurity() {
		return "Security"
	}
	return "Other"
}

func rebootBehavior(p fleet.Patch) string {
	if p.RequiresReboot {
		return "AlwaysRequiresReboot"
	}
	return "NeverReboots"
}

// assess is assessPatches: the fleet scans the VM; the result lists the
// patches it misses (VirtualMachineAssessPatchesResult).
func (s *Server) assess(id string) opFunc {
	return func(ctx context.Context) (any, *armError) {
		start := s.fleet.Now().UTC()
		res, err := s.fleet.Scan(ctx, []string{id}, nil)
		if err != nil {
			return nil, &armError{Code: "InternalExecutionError", Message: err.Error()}
		}
		sc := res.Instances[0]
		if sc.Error != "" {
			return nil, &armError{Code: "VMAgentStatusCommunicationError", Message: sc.Error}
		}
		var patches []any
		crit, other := 0, 0
		for _, ps := range sc.Patches {
			if ps.State != fleet.StateMissing {
				continue
			}
			p, _ := s.fleet.Patch(ps.PatchID)
			class := azureClass(p)
			if strings.HasPrefix(class, "Security") || strings.HasPrefix(class, "Critical") {
				crit++
			} else {
				other++
			}
			patches = append(patches, map[string]any{
				"patchId": p.ID, "name": p.Name, "version": p.Version, "kbId": strings.TrimPrefix(p.KB, "KB"),
				"classifications": []string{class}, "rebootBehavior": rebootBehavior(p), "activityId": id,
				"publishedDate": p.ReleaseDate.Format(time.RFC3339), "lastModifiedDateTime": sc.ScannedAt.Format(time.RFC3339),
				"assessmentState": "Available",
			})
		}
		return map[string]any{"status": "Succeeded", "assessmentActivityId": id, "rebootPending": sc.PendingReboot,
			"criticalAndSecurityPatchCount": crit, "otherPatchCount": other, "startDateTime": start.Format(time.RFC3339),
			"availablePatches": patches}, nil
	}
}

// installInput is the installPatches body the emulator understands.
type installInput struct {
	MaximumDuration string `json:"maximumDuration"`
	RebootSetting   string `json:"rebootSetting"`
	Linux           *struct {
		Include         []string `json:"packageNameMasksToInclude"`
		Exclude         []string `json:"packageNameMasksToExclude"`
		Classifications []string `json:"classificationsToInclude"`
	} `json:"linuxParameters"`
	Windows *struct {
		KBs             []string `json:"kbNumbersToInclude"`
		ExcludeKBs      []string `json:"kbNumbersToExclude"`
		Classifications []string `json:"classificationsToInclude"`
	} `json:"windowsParameters"`
}

var isoDur = regexp.MustCompile(`^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?$`)

// parseDuration parses the ISO 8601 durations "PT#H#M#S".
func parseDuration(s string) (time.Duration, bool) {
	m := isoDur.FindStringSubmatch(s)
	if m == nil || s == "PT" {
		return 0, false
	}
	var d time.Duration
	for i, unit := range []time.Duration{time.Hour, time.Minute, time.Second} {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * unit
		}
	}
	return d, true
}

// installJob is a parsed installPatches request: the pending patches its
// masks or KBs select, the reboot setting and maximumDuration.
type installJob struct {
	patchIDs []string
	reboot   fleet.RebootOption
	dur      time.Duration
}

// parseInstall reads an installPatches body (the same for VMs and Arc
// machines); on a bad body it answers 400 and returns false.
func (s *Server) parseInstall(w http.ResponseWriter, r *http.Request, id string) (installJob, bool) {
	var in installInput
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "BadRequest", "invalid request body: "+err.Error())
		return installJob{}, false
	}
	dur, ok := parseDuration(in.MaximumDuration)
	if !ok || dur > 4*time.Hour {
		writeError(w, http.StatusBadRequest, "InvalidParameter", "maximumDuration '"+in.MaximumDuration+"' must be an ISO 8601 duration of at most PT4H.")
		return installJob{}, false
	}
	reboot := map[string]fleet.RebootOption{"IfRequired": fleet.RebootIfNeeded, "Never": fleet.NoReboot}[in.RebootSetting]
	if reboot == "" {
		writeError(w, http.StatusBadRequest, "InvalidParameter", "rebootSetting '"+in.RebootSetting+"' is not served (IfRequired or Never).")
		return installJob{}, false
	}
	patchIDs, err := s.selectPatches(id, in)
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidParameter", err.Error())
		return installJob{}, false
	}
	return installJob{patchIDs: patchIDs, reboot: reboot, dur: dur}, true
}

// install is a VM's installPatches with explicit package masks or KB numbers.
func (s *Server) install(w http.ResponseWriter, r *http.Request, id string) {
	job, ok := s.parseInstall(w, r, id)
	if !ok {
		return
	}
	s.startOperation(w, r, id, "installPatches", func(ctx context.Context) (any, *armError) {
		return s.runInstall(ctx, id, job.patchIDs, job.reboot, job.dur)
	})
}

// selectPatches returns the pending patches the masks or KBs name.
func (s *Server) selectPatches(id string, in installInput) ([]string, error) {
	pending, err := s.fleet.PendingPatches(id)
	if err != nil {
		return nil, err
	}
	var out []string
	switch {
	case in.Linux != nil && in.Windows == nil:
		if len(in.Linux.Exclude) > 0 || len(in.Linux.Classifications) > 0 || len(in.Linux.Include) == 0 {
			return nil, fmt.Errorf("the emulator serves linuxParameters.packageNameMasksToInclude only")
		}
		for _, p := range pending {
			for _, mask := range in.Linux.Include {
				name, ver, hasVer := strings.Cut(mask, "=")
				if ok, _ := path.Match(name, p.Name); ok {
					if vok, _ := path.Match(ver, p.Version); !hasVer || vok {
						out = append(out, p.ID)
						break
					}
				}
			}
		}
	case in.Windows != nil && in.Linux == nil:
		if len(in.Windows.ExcludeKBs) > 0 || len(in.Windows.Classifications) > 0 || len(in.Windows.KBs) == 0 {
			return nil, fmt.Errorf("the emulator serves windowsParameters.kbNumbersToInclude only")
		}
		for _, p := range pending {
			for _, kb := range in.Windows.KBs {
				if p.KB == "KB"+strings.TrimPrefix(strings.ToUpper(kb), "KB") {
					out = append(out, p.ID)
				}
			}
		}
	default:
		return nil, fmt.Errorf("exactly one of linuxParameters and windowsParameters is required")
	}
	return out, nil
}

// runInstall installs on the fleet with the window's deadline, waits for
// the reboot if one started, and reports a VirtualMachineInstallPatchesResult.
func (s *Server) runInstall(ctx context.Context, id string, patchIDs []string, reboot fleet.RebootOption, dur time.Duration) (any, *armError) {
	start := s.fleet.Now()
	res, err := s.fleet.Install(ctx, fleet.InstallRequest{CycleID: "azurefront", Reboot: reboot, Deadline: start.Add(dur),
		Instances: []fleet.InstanceInstallRequest{{InstanceID: id, PatchIDs: patchIDs}}}, nil)
	if err != nil {
		return nil, &armError{Code: "InternalExecutionError", Message: err.Error()}
	}
	ir := res.Instances[0]
	exceeded := strings.Contains(ir.Error, "did not finish by the deadline")
	if ir.Error != "" && !exceeded {
		return nil, &armError{Code: "VMAgentStatusCommunicationError", Message: ir.Error}
	}
	counts := map[string]int{}
	var patches []any
	for _, c := range ir.Changes {
		p, _ := s.fleet.Patch(c.PatchID)
		state := "Installed"
		switch {
		case c.State == fleet.StateFailed && exceeded:
			state = "Pending"
		case c.State == fleet.StateFailed:
			state = "Failed"
		case c.State == fleet.StateNotApplicable:
			state = "NotSelected"
		}
		counts[state]++
		patches = append(patches, map[string]any{"patchId": p.ID, "name": p.Name, "version": p.Version,
			"kbId": strings.TrimPrefix(p.KB, "KB"), "classifications": []string{azureClass(p)}, "installationState": state})
	}
	rebootStatus := "NotNeeded"
	switch {
	case ir.Rebooted:
		rebootStatus = "Completed"
		if out, _ := s.fleet.WaitReady(ctx, []string{id}, nil); len(out) == 0 || !out[0].Ready {
			rebootStatus = "Failed"
		}
	case ir.RebootRequired:
		rebootStatus = "Required"
	}
	status := "Succeeded"
	if exceeded || counts["Failed"] > 0 || rebootStatus == "Failed" {
		status = "CompletedWithWarnings"
	}
	if counts["Failed"] > 0 && counts["Installed"] == 0 {
		status = "Failed"
	}
	return map[string]any{"status": status, "installationActivityId": id, "rebootStatus": rebootStatus,
		"maintenanceWindowExceeded": exceeded, "excludedPatchCount": 0, "notSelectedPatchCount": counts["NotSelected"],
		"pendingPatchCount": counts["Pending"], "installedPatchCount": counts["Installed"], "failedPatchCount": counts["Failed"],
		"patches": patches, "startDateTime": start.UTC().Format(time.RFC3339)}, nil
}

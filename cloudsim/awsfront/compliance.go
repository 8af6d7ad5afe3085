package awsfront

import (
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// compliance is an instance's patch compliance as its last patch operation
// reported it.
type compliance struct {
	operation           string
	start, end          time.Time
	snapshotID          string
	installOverrideList string
	reboot              string
	baselineOverride    bool
	records             []patchRecord
	installed           int
}

// patchRecord is one patch in a compliance report.
type patchRecord struct {
	patch fleet.Patch
	state fleet.PatchState
	at    time.Time
}

// setCompliance replaces an instance's compliance.
func (s *Server) setCompliance(id string, c *compliance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.compliance[id] = c
}

func (s *Server) complianceOf(id string) *compliance {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.compliance[id]
}

// patchComplianceData is the PatchComplianceData shape
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PatchComplianceData.html).
// On Linux the KBId is name.arch and the Title name.arch:version; on
// Windows the KBId is the KB and the Title the update's title. The
// Classification and Severity are the patch's (Ubuntu: section and
// priority; Windows: classification and MSRC severity).
type patchComplianceData struct {
	Title          string `json:"Title"`
	KBID           string `json:"KBId"`
	Classification string `json:"Classification"`
	Severity       string `json:"Severity"`
	State          string `json:"State"`
	InstalledTime  epoch  `json:"InstalledTime"`
	CVEIDs         string `json:"CVEIds,omitempty"`
}

// complianceData shows a record as DescribeInstancePatches does.
func complianceData(r patchRecord) patchComplianceData {
	p := r.patch
	d := patchComplianceData{State: string(r.state), CVEIDs: strings.Join(p.CVEs, ",")}
	if r.state == fleet.StateInstalled || r.state == fleet.StateInstalledPendingReboot {
		d.InstalledTime = epoch(r.at)
	}
	switch p.OS {
	case fleet.OSWindows:
		d.KBID, d.Title, d.Classification, d.Severity = p.KB, p.Name, p.Classification, p.MSRCSeverity
	case fleet.OSUbuntu:
		d.KBID, d.Classification, d.Severity = p.Name+"."+p.Arch, p.Section, p.Priority
		d.Title = d.KBID + ":" + p.Version
	default:
		d.KBID, d.Classification, d.Severity = p.Name+"."+p.Arch, p.Classification, p.Severity
		d.Title = d.KBID + ":" + p.Version
	}
	return d
}

// Package reporttest builds synthetic reports for tests, benchmarks and the
// headless screenshot script.
package reporttest

import (
	"fmt"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/report"
)

// Synthetic returns a deterministic report of servers instances with up to
// pkgs packages each, mixing every OS and outcome: roughly 5% failed (one
// package failing), 3% unreachable, 10% not attempted (halted), 10%
// already compliant, some pending reboot, the rest patched; failed and
// not-attempted instances keep still-missing security patches with CVEs.
func Synthetic(group, cycle string, servers, pkgs int) *report.Report {
	at := time.Date(2026, 11, 22, 3, 0, 0, 0, time.UTC)
	rep := &report.Report{Schema: report.SchemaVersion, Header: report.Header{
		Group: group, Cycle: cycle, Mode: "approval", Status: "halted", PolicyDigest: "sha256:policy",
		ManifestDigest: "sha256:manifest",
		Baselines:      []report.BaselineRef{{OS: fleet.OSUbuntu, Name: "ubuntu-security"}, {OS: fleet.OSWindows, Name: "windows-critical"}},
		Approval:       &report.Approval{Decision: "approved", By: "ops-lead@example.com", At: at, Digest: "sha256:manifest", Comment: "CAB-1234"},
		Phases: []report.PhaseTiming{{Phase: "scan", Start: at, End: at.Add(4 * time.Minute)},
			{Phase: "rollout", Start: at.Add(5 * time.Minute), End: at.Add(95 * time.Minute)}},
		GeneratedAt: at.Add(2 * time.Hour),
	}}
	for n := 0; n < servers; n++ {
		os := fleet.OSFamilies[n%len(fleet.OSFamilies)]
		inst := &report.Instance{ID: fmt.Sprintf("i-%08x", n*2654435761%(1<<32)), Name: fmt.Sprintf("srv-%05d", n),
			Cloud: fleet.Cloud([]string{"aws", "azure"}[n%2]), Account: fmt.Sprintf("acct-%d", n%7), Region: []string{"eu-west-1", "us-east-1", "westeurope"}[n%3],
			OS: os, OSVersion: "22.04", Planned: true, Wave: n % 5}
		switch {
		case n%10 == 3:
			inst.Outcome, inst.Planned, inst.Wave = report.AlreadyCompliant, false, 0
		case n%33 == 5:
			inst.Outcome, inst.Reason, inst.Planned, inst.Wave = report.Unreachable, "agent ConnectionLost", false, 0
		case n%10 == 7:
			inst.Outcome, inst.Reason = report.NotAttempted, report.ReasonHalted
		case n%20 == 1:
			inst.Outcome, inst.Reason = report.Failed, "dpkg: error processing package"
		case n%9 == 2:
			inst.Outcome, inst.Reboot = report.PendingReboot, report.Reboot{Needed: true}
		default:
			inst.Outcome, inst.Reboot = report.Patched, report.Reboot{Needed: n%3 == 0, Done: n%3 == 0}
		}
		for p := 0; p < pkgs; p++ {
			id := fmt.Sprintf("pkg-%02d:1.%d-%d", p, p, n%4+1)
			cves := []string{fmt.Sprintf("CVE-2026-%04d", 1000+p*7)}
			switch inst.Outcome {
			case report.Patched, report.PendingReboot, report.Failed:
				state := fleet.StateInstalled
				if inst.Outcome == report.PendingReboot {
					state = fleet.StateInstalledPendingReboot
				}
				pk := report.Package{PatchID: id, Name: fmt.Sprintf("pkg-%02d", p), FromVersion: fmt.Sprintf("1.%d-%d", p, n%4),
					ToVersion: fmt.Sprintf("1.%d-%d", p, n%4+1), Classification: "Security", Severity: []string{"Critical", "Important", "Medium"}[p%3],
					CVEs: cves, State: state}
				if inst.Outcome == report.Failed && p == 0 {
					pk.State, pk.Error = fleet.StateFailed, "dpkg: error processing package"
				}
				inst.Packages = append(inst.Packages, pk)
			case report.NotAttempted:
				if p < 3 {
					inst.Missing = append(inst.Missing, report.Missing{PatchID: id, Name: fmt.Sprintf("pkg-%02d", p), Severity: "Critical", CVEs: cves, Why: report.ReasonHalted})
				}
			}
		}
		rep.Instances = append(rep.Instances, inst)
	}
	rep.Summarize()
	return rep
}

package activities

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// ReportInput is what the workflow knows of a finished run; the rest of
// the report comes from the run's artifacts.
type ReportInput struct {
	Run            Run                  `json:"run"`
	Mode           policy.Mode          `json:"mode"`
	Status         string               `json:"status"`
	Snapshot       policy.Snapshot      `json:"snapshot"`
	ManifestDigest string               `json:"manifestDigest,omitempty"`
	Approval       *report.Approval     `json:"approval,omitempty"`
	Phases         []report.PhaseTiming `json:"phases,omitempty"`
	// NotAttempted is the reason for planned instances whose wave never ran
	// (window-closed, halted, cancelled).
	NotAttempted string `json:"notAttempted,omitempty"`
	// NotApproved is the reason for manifest instances without a plan
	// (rejected, expired, not-approved).
	NotApproved string `json:"notApproved,omitempty"`
	// Approved and All say which manifest patches were approved.
	Approved []string `json:"approved,omitempty"`
	All      bool     `json:"all,omitempty"`
	// Failure is the error that stopped a failed run.
	Failure string `json:"failure,omitempty"`
	// Reason says why the run stopped where it did (halted, window-closed,
	// expired).
	Reason string `json:"reason,omitempty"`
}

// ReportRef says where a run's report is and what it counts.
type ReportRef struct {
	Dir    string                 `json:"dir"`
	Files  []string               `json:"files"`
	Counts map[report.Outcome]int `json:"counts"`
	// Published lists the objects written to the group's report
	// destinations (sink/key).
	Published []string `json:"published,omitempty"`
	// Failed are the first failed instances (for the halted
	// notification), at most maxFailedListed.
	Failed []string `json:"failed,omitempty"`
}

// maxFailedListed bounds ReportRef.Failed.
const maxFailedListed = 20

// WriteReport builds the run's report from its artifacts and writes it in
// every format to the report directory, overwriting (so a retry writes the
// same files). It also stores the run's record and per-instance outcomes,
// which RetryFailed reads.
func (a *Activities) WriteReport(ctx context.Context, in ReportInput) (ReportRef, error) {
	_, stopBeats := heartbeater(ctx, "write report") // long at 100,000 servers: heartbeats say it is alive
	defer stopBeats()
	if err := validRun(in.Run); err != nil {
		return ReportRef{}, err
	}
	rep, err := a.buildReport(ctx, in)
	if err != nil {
		return ReportRef{}, err
	}
	if err := putJSON(ctx, a.Store, in.Run.recordKey(), in); err != nil {
		return ReportRef{}, err
	}
	if err := putJSON(ctx, a.Store, in.Run.outcomesKey(), outcomesOf(rep)); err != nil {
		return ReportRef{}, err
	}
	if in.Run.Retry == 0 {
		if err := putJSON(ctx, a.Store, latestKey(in.Run.Group, in.Run.Cycle), latestRun{ID: in.Run.ID}); err != nil {
			return ReportRef{}, err
		}
	}
	dir := filepath.Join(a.ReportDir, filepath.FromSlash(in.Run.String()))
	files, err := report.WriteFiles(dir, rep)
	if err != nil {
		return ReportRef{}, err
	}
	published, err := a.publishRun(ctx, in.Snapshot.Group.Reports, in.Run, rep)
	if err != nil {
		return ReportRef{}, err
	}
	var failedIDs []string
	for _, i := range rep.Instances {
		if i.Outcome == report.Failed && len(failedIDs) < maxFailedListed {
			failedIDs = append(failedIDs, i.ID)
		}
	}
	return ReportRef{Dir: dir, Files: files, Counts: rep.Header.Counts, Published: published, Failed: failedIDs}, nil
}

// buildReport assembles the report model.
func (a *Activities) buildReport(ctx context.Context, in ReportInput) (*report.Report, error) {
	rep := &report.Report{Schema: report.SchemaVersion, Header: report.Header{
		Group: in.Run.Group, Cycle: in.Run.Cycle, Retry: in.Run.Retry, Namespace: namespaceOf(ctx), Run: in.Run.ID,
		Mode: string(in.Mode), Status: in.Status, Failure: in.Failure, Reason: in.Reason,
		PolicyDigest: in.Snapshot.Digest, ManifestDigest: in.ManifestDigest, Approval: in.Approval,
		Phases: in.Phases, Counts: map[report.Outcome]int{}, GeneratedAt: time.Now().UTC(),
	}}
	for _, os := range fleet.OSFamilies {
		if b, ok := in.Snapshot.Baselines[os]; ok {
			rep.Header.Baselines = append(rep.Header.Baselines, report.BaselineRef{OS: os, Name: b.Name})
		}
	}
	results, planned, err := a.runResults(ctx, in.Run)
	if err != nil {
		return nil, err
	}
	var m Manifest
	evaluated, err := getJSON(ctx, a.Store, in.Run.Base().manifestKey(), &m)
	if err != nil {
		return nil, err
	}
	var insts []*report.Instance
	if in.Run.Retry > 0 {
		insts = retryInstances(in, planned, results)
	} else {
		insts, err = a.cycleInstances(ctx, in, m, evaluated, planned, results)
		if err != nil {
			return nil, err
		}
	}
	var pre []fleet.Preflight
	if _, err := getJSON(ctx, a.Store, in.Run.Prefix()+"/preflight.json", &pre); err != nil {
		return nil, err
	}
	findings := map[string][]fleet.DriftFinding{}
	for _, p := range pre {
		findings[p.InstanceID] = p.Findings
	}
	for _, i := range insts {
		_, i.Planned = planned[i.ID]
		i.Preflight = findings[i.ID]
	}
	rep.Instances = insts
	rep.Summarize()
	return rep, nil
}

// runResults reads every batch plan of the run and the settled outcome of
// each batch that ran.
func (a *Activities) runResults(ctx context.Context, run Run) (map[string]report.Instance, map[string]plannedInstance, error) {
	results := map[string]report.Instance{}
	planned := map[string]plannedInstance{}
	keys, err := a.Store.List(ctx, run.Prefix()+"/waves/")
	if err != nil {
		return nil, nil, err
	}
	for _, k := range keys {
		var wave, batch int
		var part string
		if _, err := fmt.Sscanf(k[len(run.Prefix()+"/waves/"):], "%03d/%04d.%s", &wave, &batch, &part); err != nil {
			continue
		}
		switch part {
		case "plan.json":
			var bp BatchPlan
			if _, err := getJSON(ctx, a.Store, k, &bp); err != nil {
				return nil, nil, err
			}
			for i, x := range bp.Instances {
				planned[x.ID] = plannedInstance{Instance: x, Wave: wave, PatchIDs: bp.Request.Instances[i].PatchIDs}
			}
		case "result.json":
			var rs []report.Instance
			if _, err := getJSON(ctx, a.Store, k, &rs); err != nil {
				return nil, nil, err
			}
			for _, r := range rs {
				results[r.ID] = r
			}
		}
	}
	return results, planned, nil
}

// plannedInstance is an instance in a rollout plan.
type plannedInstance struct {
	Instance fleet.Instance
	Wave     int
	PatchIDs []string
}

// retryInstances reports the instances of a retry run: all of them planned.
func retryInstances(in ReportInput, planned map[string]plannedInstance, results map[string]report.Instance) []*report.Instance {
	var out []*report.Instance
	for id, p := range planned {
		if r, ok := results[id]; ok {
			out = append(out, &r)
			continue
		}
		ri := newInstance(p.Instance)
		ri.Wave = p.Wave
		ri.Outcome, ri.Reason = report.NotAttempted, in.NotAttempted
		out = append(out, ri)
	}
	return out
}

func newInstance(x fleet.Instance) *report.Instance {
	return &report.Instance{ID: x.ID, Name: x.Name, Cloud: x.Cloud, Account: x.Account, Region: x.Region,
		OS: x.OS, OSVersion: x.OSVersion}
}

// outcome is the compact per-instance outcome RetryFailed plans from.
type outcome struct {
	ID      string         `json:"id"`
	Outcome report.Outcome `json:"outcome"`
	Reason  string         `json:"reason,omitempty"`
}

func outcomesOf(rep *report.Report) []outcome {
	out := make([]outcome, len(rep.Instances))
	for i, x := range rep.Instances {
		out[i] = outcome{ID: x.ID, Outcome: x.Outcome, Reason: x.Reason}
	}
	return out
}

package activities

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// PreflightInput asks for the pre-flight check of a run's planned
// instances (those the manifest would install).
type PreflightInput struct {
	Run Run `json:"run"`
	// Batches is the number of scan batches (for pending reboots).
	Batches int `json:"batches"`
}

// PreflightSummary is what the pre-flight check found, for the review and
// the status: counts per check and the first blocked instances; every
// instance's findings are stored for the report.
type PreflightSummary struct {
	Checked int `json:"checked"`
	Blocked int `json:"blocked"`
	Warned  int `json:"warned"`
	// ByCheck counts the instances with each finding.
	ByCheck map[string]int `json:"byCheck,omitempty"`
	// Examples are the first blocked (then warned) instances, with their
	// findings.
	Examples []fleet.Preflight `json:"examples,omitempty"`
	// Unsupported is set when the provider cannot check.
	Unsupported string `json:"unsupported,omitempty"`
}

// preflightExamples bounds the examples in a summary, and
// preflightParallel the provider calls in flight.
const (
	preflightExamples = 10
	preflightParallel = 8
)

// Preflight checks what would keep each instance of the run's manifest
// from being patched (see fleet.Preflighter) plus, from the run's scan,
// an install that waits for a reboot from an earlier cycle. The findings
// are stored (cycles/.../preflight.json) and summarised.
func (a *Activities) Preflight(ctx context.Context, in PreflightInput) (PreflightSummary, error) {
	if err := validRun(in.Run); err != nil {
		return PreflightSummary{}, err
	}
	key := in.Run.Prefix() + "/preflight.json"
	var stored []fleet.Preflight
	if found, err := getJSON(ctx, a.Store, key, &stored); err != nil || found {
		return summarize(stored), err
	}
	var m Manifest
	if _, err := getJSON(ctx, a.Store, in.Run.Base().manifestKey(), &m); err != nil {
		return PreflightSummary{}, err
	}
	ids := make([]string, len(m.Instances))
	for i, x := range m.Instances {
		ids[i] = x.InstanceID
	}
	if _, ok := a.Provider.(fleet.Preflighter); !ok {
		return PreflightSummary{Checked: len(ids), Unsupported: "the provider has no pre-flight check"}, nil
	}
	pending, err := a.pendingReboots(ctx, in.Run, in.Batches, ids)
	if err != nil {
		return PreflightSummary{}, err
	}
	progress, stop := heartbeater(ctx, "preflight")
	defer stop()
	stored, err = a.checkInstances(ctx, ids, progress)
	if err != nil {
		return PreflightSummary{}, err
	}
	for i := range stored {
		if n := pending[stored[i].InstanceID]; n > 0 {
			stored[i].Findings = append(stored[i].Findings, fleet.DriftFinding{Check: fleet.DriftPendingReboot, Blocks: false,
				Detail: fmt.Sprintf("%d patch(es) installed by an earlier cycle wait for a reboot", n)})
		}
	}
	if err := putJSON(ctx, a.Store, key, stored); err != nil {
		return PreflightSummary{}, err
	}
	return summarize(stored), nil
}

// checkInstances runs the provider's pre-flight check on ids, in batches
// of fleet.MaxBatch, a few at a time, and returns the results in order.
func (a *Activities) checkInstances(ctx context.Context, ids []string, progress fleet.Progress) ([]fleet.Preflight, error) {
	pf := a.Provider.(fleet.Preflighter)
	out := make([]fleet.Preflight, len(ids))
	var (
		mu    sync.Mutex
		first error
		done  int
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, preflightParallel)
	for start := 0; start < len(ids); start += fleet.MaxBatch {
		end := min(len(ids), start+fleet.MaxBatch)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res, err := pf.Preflight(ctx, ids[start:end])
			mu.Lock()
			defer mu.Unlock()
			if err == nil && len(res) != end-start {
				err = fmt.Errorf("the provider returned %d pre-flight results for %d instances", len(res), end-start)
			}
			if err != nil {
				if first == nil {
					first = err
				}
				return
			}
			copy(out[start:end], res)
			done += end - start
			progress(done, len(ids))
		}()
	}
	wg.Wait()
	if first != nil {
		return nil, providerError("preflight", first)
	}
	return out, nil
}

// pendingReboots counts, per instance, the patches the run's scan found
// installed and waiting for a reboot.
func (a *Activities) pendingReboots(ctx context.Context, run Run, batches int, ids []string) (map[string]int, error) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	out := map[string]int{}
	for b := 0; b < batches; b++ {
		var scan fleet.ScanResult
		if _, err := getJSON(ctx, a.Store, run.scanKey(b), &scan); err != nil {
			return nil, err
		}
		for _, s := range scan.Instances {
			if !want[s.InstanceID] {
				continue
			}
			for _, p := range s.Patches {
				if p.State == fleet.StateInstalledPendingReboot {
					out[s.InstanceID]++
				}
			}
		}
	}
	return out, nil
}

// summarize counts the findings and picks the examples.
func summarize(all []fleet.Preflight) PreflightSummary {
	s := PreflightSummary{Checked: len(all), ByCheck: map[string]int{}}
	var blocked, warned []fleet.Preflight
	for _, p := range all {
		if len(p.Findings) == 0 {
			continue
		}
		seen := map[string]bool{}
		for _, f := range p.Findings {
			if !seen[f.Check] {
				s.ByCheck[f.Check]++
				seen[f.Check] = true
			}
		}
		if p.Blocked() {
			s.Blocked++
			blocked = append(blocked, p)
		} else {
			s.Warned++
			warned = append(warned, p)
		}
	}
	s.Examples = slices.Concat(blocked, warned)
	s.Examples = s.Examples[:min(len(s.Examples), preflightExamples)]
	return s
}

package main

// End-to-end tests: a real Temporal server (temporaltest), the worker's own
// wiring, the real activities and workflows, and the simulated fleet.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/providers/sim"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/workflows"
)

const examplePolicy = "../deployments/examples/policy"

// stack is a Temporal server, a simulated fleet and the worker's activities.
type stack struct {
	t      testing.TB
	srv    *temporaltest.TestServer
	c      client.Client
	fleet  *cloudsim.Fleet
	prov   *sim.Provider
	cfg    config
	pol    *policy.Policy
	worker worker.Worker
}

// tuning makes activities retry and time out quickly in tests.
var tuning = workflows.Tuning{HeartbeatTimeout: 3 * time.Second, RetryInterval: 200 * time.Millisecond, RebootTimeout: 20 * time.Second}

// newStack starts a server and a worker over n simulated instances whose
// clock runs speed times the wall clock (speed 0: operations take no time);
// opts configure the server and its clients.
func newStack(t testing.TB, n int, speed float64, opts ...temporaltest.TestServerOption) *stack {
	t.Helper()
	// Made before the server, so it is removed after the server and its
	// worker have stopped (cleanups run last-in, first-out).
	dir := t.TempDir()
	var srv *temporaltest.TestServer
	if tt, ok := t.(*testing.T); ok {
		srv = temporaltest.NewServer(append(opts, temporaltest.WithT(tt))...)
	} else {
		srv = temporaltest.NewServer(opts...)
		t.Cleanup(srv.Stop)
	}
	registerSearchAttributes(t, srv)
	pol := e2ePolicy(t)
	cfg := cloudsim.Config{Seed: 7, Instances: n, Speed: speed}
	if speed <= 0 {
		// No simulated durations: the fleet's clock stays on the wall clock.
		cfg.Speed, cfg.Timing = 1, &cloudsim.Timing{}
	}
	f := cloudsim.Generate(cfg)
	s := &stack{t: t, srv: srv, c: srv.GetDefaultClient(), fleet: f, prov: sim.New(f), pol: pol,
		cfg: config{Policy: examplePolicy, DataDir: dir, ReportDir: filepath.Join(dir, "reports")}}
	s.startWorker()
	return s
}

func (s *stack) startWorker() { s.startWorkerWith(s.prov) }

// restartWorkerWith stops the worker and starts one over p (the fleet
// seen through a wrapper that records or refuses calls).
func (s *stack) restartWorkerWith(p fleet.Provider) {
	s.worker.Stop()
	s.startWorkerWith(p)
}

func (s *stack) startWorkerWith(p fleet.Provider) {
	acts := newActivities(s.cfg, p)
	acts.LoadPolicy = func() (*policy.Policy, error) { return s.pol, nil }
	s.worker = s.srv.NewWorkerWithOptions(workflows.TaskQueue, func(r worker.Registry) { workflows.Register(r, acts) },
		worker.Options{WorkerStopTimeout: time.Second})
}

func (s *stack) start(group string, in workflows.CycleInput) client.WorkflowRun {
	in.Group, in.Cycle, in.Tuning = group, "2026-W48", tuning
	run, err := s.c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: workflows.WorkflowID(group, in.Cycle), TaskQueue: workflows.TaskQueue}, workflows.PatchCycleWorkflow, in)
	require.NoError(s.t, err)
	return run
}

func (s *stack) wait(run client.WorkflowRun) workflows.CycleResult {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var r workflows.CycleResult
	require.NoError(s.t, run.Get(ctx, &r))
	return r
}

func (s *stack) status(id string) workflows.CycleStatus {
	v, err := s.c.QueryWorkflow(context.Background(), id, "", workflows.StatusQuery)
	require.NoError(s.t, err)
	var st workflows.CycleStatus
	require.NoError(s.t, v.Get(&st))
	return st
}

func (s *stack) report(r workflows.CycleResult) report.Report {
	b, err := os.ReadFile(filepath.Join(r.Report.Dir, "report.json"))
	require.NoError(s.t, err)
	var rep report.Report
	require.NoError(s.t, json.Unmarshal(b, &rep))
	return rep
}

// inventory returns name -> version per instance, read from the fleet.
func (s *stack) inventory(ids []string) map[string]map[string]string {
	out := map[string]map[string]string{}
	for start := 0; start < len(ids); start += fleet.MaxBatch {
		invs, err := s.fleet.Inventory(context.Background(), ids[start:min(len(ids), start+fleet.MaxBatch)])
		require.NoError(s.t, err)
		for _, inv := range invs {
			m := map[string]string{}
			for _, p := range inv.Packages {
				m[p.Name] = p.Version
			}
			out[inv.InstanceID] = m
		}
	}
	return out
}

func (s *stack) groupIDs(group string) []string {
	insts, err := s.fleet.Discover(context.Background(), s.pol.Groups[group].Selector)
	require.NoError(s.t, err)
	ids := make([]string, len(insts))
	for i, x := range insts {
		ids[i] = x.ID
	}
	return ids
}

// checkAgainstFleet checks a report against the simulated fleet's truth:
// every package reported installed went from its version before the cycle
// to the version the instance has now, every package that changed on the
// fleet is reported once, and nothing else is reported as updated.
func (s *stack) checkAgainstFleet(rep report.Report, before map[string]map[string]string) {
	ids := make([]string, 0, len(before))
	for id := range before {
		ids = append(ids, id)
	}
	after := s.inventory(ids)
	reported := map[string]map[string]report.Package{}
	for _, i := range rep.Instances {
		reported[i.ID] = map[string]report.Package{}
		for _, p := range i.Packages {
			if p.State == fleet.StateInstalled || p.State == fleet.StateInstalledPendingReboot {
				_, dup := reported[i.ID][p.Name]
				require.False(s.t, dup, "%s: package %s reported twice", i.ID, p.Name)
				reported[i.ID][p.Name] = p
			}
		}
	}
	for id, was := range before {
		for name, now := range after[id] {
			p, ok := reported[id][name]
			if was[name] == now {
				require.False(s.t, ok, "%s: %s did not change but is reported as updated", id, name)
				continue
			}
			require.True(s.t, ok, "%s: %s changed %s -> %s but is not reported", id, name, was[name], now)
			require.Equal(s.t, was[name], p.FromVersion, "%s %s from", id, name)
			require.Equal(s.t, now, p.ToVersion, "%s %s to", id, name)
		}
	}
}

func TestE2EAutoGroupPatchesAndReportsTheFleetsTruth(t *testing.T) {
	s := newStack(t, 300, 2000)
	ids := s.groupIDs("prod-auto")
	before := s.inventory(ids)
	r := s.wait(s.start("prod-auto", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusCompleted, r.Status, s.report(r).Header.Reason)
	require.Positive(t, r.Counts.Patched)
	rep := s.report(r)
	require.Len(t, rep.Instances, len(ids), "every instance reported once")
	s.checkAgainstFleet(rep, before)
	for _, id := range ids {
		require.LessOrEqual(t, s.fleet.InstallCount(id), 1, id)
	}
	calls := 0
	for _, c := range s.prov.Calls() {
		if c.Op == sim.OpDiscover {
			continue // discovery lists the group; it acts on no instance
		}
		calls++
		require.LessOrEqual(t, c.Instances, fleet.MaxBatch, "%s over %d instances", c.Op, c.Instances)
	}
	require.Less(t, calls, len(ids), "batch calls, not one per instance")
}

func TestE2EApprovalGroupWaitsThenInstallsWhatWasApproved(t *testing.T) {
	s := newStack(t, 200, 2000)
	ids := s.groupIDs("prod-sensitive")
	before := s.inventory(ids)
	run := s.start("prod-sensitive", workflows.CycleInput{InstallNow: true})
	id := run.GetID()
	var st workflows.CycleStatus
	require.Eventually(t, func() bool { st = s.status(id); return st.Phase == workflows.PhaseAwaitingApproval }, time.Minute, 100*time.Millisecond)
	require.Zero(t, s.fleet.Stats().Totals.Installs, "nothing installs before the approval")

	st = s.awaitApproval(id)
	_, err := s.sendApproval(id, signedApproval(t, st, "ops-lead@example.com", func(st *approval.Statement) { st.Digest = "sha256:" + strings.Repeat("0", 64) }))
	require.ErrorContains(t, err, "review the cycle again")
	_, err = s.sendApproval(id, workflows.ApproveInput{Approver: "ops-lead@example.com", Digest: st.Review.Digest})
	require.ErrorContains(t, err, "no signed statement")

	d, err := s.sendApproval(id, signedApproval(t, st, "ops-lead@example.com", func(st *approval.Statement) { st.Comment = "CAB-1234" }))
	require.NoError(t, err)
	require.Equal(t, "approved", d.Decision)

	r := s.wait(run)
	require.Equal(t, workflows.StatusCompleted, r.Status, s.report(r).Header.Reason)
	require.Equal(t, "ops-lead@example.com", r.Approval.By)
	rep := s.report(r)
	s.checkAgainstFleet(rep, before)
	// The group is NoReboot: kernel updates leave instances pending reboot.
	require.Positive(t, rep.Header.Counts[report.PendingReboot]+rep.Header.Counts[report.Patched])
	for _, i := range rep.Instances {
		require.False(t, i.Reboot.Done, "%s was rebooted in a NoReboot group", i.ID)
	}
}

func TestE2EScanOnlyGroupNeverInstalls(t *testing.T) {
	s := newStack(t, 200, 2000)
	audit := *s.pol.Groups["nonprod"]
	audit.Name, audit.Mode = "audit", policy.ModeScanOnly
	s.pol.Groups["audit"] = &audit
	r := s.wait(s.start("audit", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusCompleted, r.Status)
	require.Zero(t, s.fleet.Stats().Totals.Installs)
	rep := s.report(r)
	require.Positive(t, rep.Header.Counts[report.SkippedByPolicy])
	require.Zero(t, rep.Header.Counts[report.Patched])
}

func TestE2EWorkerKilledMidRolloutLosesNothingAndInstallsNothingTwice(t *testing.T) {
	s := newStack(t, 400, 300)
	ids := s.groupIDs("prod-auto")
	before := s.inventory(ids)
	run := s.start("prod-auto", workflows.CycleInput{InstallNow: true})
	require.Eventually(t, func() bool {
		st := s.status(run.GetID())
		return st.Phase == workflows.PhaseRollout && st.Wave.Current >= 2
	}, 2*time.Minute, 50*time.Millisecond)
	s.worker.Stop()
	installsAtStop := s.fleet.Stats().Totals.Installs
	time.Sleep(500 * time.Millisecond)
	s.startWorker()
	r := s.wait(run)
	require.Equal(t, workflows.StatusCompleted, r.Status)
	require.Greater(t, s.fleet.Stats().Totals.Installs, installsAtStop, "the new worker carried on")
	for _, id := range ids {
		require.LessOrEqual(t, s.fleet.InstallCount(id), 1, "%s installed twice", id)
	}
	rep := s.report(r)
	require.Len(t, rep.Instances, len(ids))
	s.checkAgainstFleet(rep, before)
}

func TestE2EFaultsHaltExactlyWhenMaxErrorsIsExceeded(t *testing.T) {
	s := newStack(t, 200, 2000)
	g := s.pol.Groups["nonprod"]
	g.Rollout = policy.Rollout{Canary: policy.Amount{Count: 1}, MaxConcurrency: policy.Amount{Count: 1}, MaxErrors: policy.Amount{Count: 2}}
	// Every install fails but the canary's (a failed canary halts at once:
	// TestE2EFailedCanaryHalts).
	s.failEveryInstall("nonprod", s.canary("nonprod"))
	r := s.wait(s.start("nonprod", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusHalted, r.Status)
	require.Equal(t, 3, r.Counts.Failed, "the third failure exceeds maxErrors 2, and nothing starts after it")
	require.Equal(t, 1, r.Counts.Patched, "the canary")
	rep := s.report(r)
	require.Len(t, rep.Instances, len(s.groupIDs("nonprod")), "every instance reported exactly once")
	seenIDs := map[string]bool{}
	for _, i := range rep.Instances {
		require.False(t, seenIDs[i.ID])
		seenIDs[i.ID] = true
	}
	require.Equal(t, 3, rep.Header.Counts[report.Failed])
	require.Equal(t, r.Counts.Planned-4, rep.Header.Counts[report.NotAttempted])
	require.Equal(t, "3 instances failed, more than maxErrors 2", rep.Header.Reason)
}

func TestE2EFailedCanaryHalts(t *testing.T) {
	s := newStack(t, 200, 2000)
	g := s.pol.Groups["nonprod"]
	g.Rollout = policy.Rollout{Canary: policy.Amount{Count: 1}, MaxConcurrency: policy.Amount{Count: 10}, MaxErrors: policy.Amount{Count: 5}}
	s.failEveryInstall("nonprod")
	r := s.wait(s.start("nonprod", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusHalted, r.Status)
	require.Equal(t, 1, r.Counts.Failed)
	require.Equal(t, 1, s.fleet.Stats().Totals.InstallAttempts, "nothing is installed after the failed canary")
	require.Equal(t, "the canary failed on 1 of 1 instances", s.report(r).Header.Reason)
}

// registerSearchAttributes registers the cycles' search attributes on the
// test server's namespace.
func registerSearchAttributes(t testing.TB, srv *temporaltest.TestServer) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	attrs := workflows.SearchAttributeTypes()
	_, err := srv.GetDefaultClient().OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: srv.GetDefaultNamespace(), SearchAttributes: attrs})
	require.NoError(t, err)
}

// canary is the instance a group's canary wave installs: the first, in ID
// order, that needs a patch.
func (s *stack) canary(group string) string {
	ids := s.groupIDs(group)
	slices.Sort(ids)
	for _, id := range ids {
		if p, err := s.fleet.PendingPatches(id); err == nil && len(p) > 0 {
			return id
		}
	}
	s.t.Fatalf("no instance of %s needs a patch", group)
	return ""
}

// failEveryInstall makes the install of every package pending on the
// group's instances fail.
func (s *stack) failEveryInstall(group string, except ...string) {
	var fails []cloudsim.PackageFailure
	seen := map[string]bool{}
	var ids []string
	for _, id := range s.groupIDs(group) {
		if !slices.Contains(except, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		pending, err := s.fleet.PendingPatches(id)
		require.NoError(s.t, err)
		for _, p := range pending {
			if !seen[p.Name] {
				seen[p.Name] = true
				fails = append(fails, cloudsim.PackageFailure{Package: p.Name, Instances: ids, Message: "injected failure"})
			}
		}
	}
	s.fleet.SetFaults(cloudsim.Faults{InstallFailures: fails})
}

// installSpans records, per cycle (InstallRequest.CycleID), when each
// install call ran.
type installSpans struct {
	fleet.Provider
	mu    sync.Mutex
	spans map[string][][2]time.Time
}

func (p *installSpans) Install(ctx context.Context, req fleet.InstallRequest, progress fleet.Progress) (fleet.InstallResult, error) {
	start := time.Now()
	res, err := p.Provider.Install(ctx, req, progress)
	p.mu.Lock()
	p.spans[req.CycleID] = append(p.spans[req.CycleID], [2]time.Time{start, time.Now()})
	p.mu.Unlock()
	return res, err
}

// Two cycles of one group started together never install at the same
// time: the second waits for the first's rollout lock, then installs.
func TestE2ETwoCyclesOfOneGroupNeverInstallAtOnce(t *testing.T) {
	s := newStack(t, 200, 200)
	spans := &installSpans{Provider: s.prov, spans: map[string][][2]time.Time{}}
	s.restartWorkerWith(spans)
	t2 := tuning
	t2.LockRetry = time.Second
	var runs []client.WorkflowRun
	for _, cycle := range []string{"2026-W48", "2026-W49"} {
		run, err := s.c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: workflows.WorkflowID("nonprod", cycle), TaskQueue: workflows.TaskQueue},
			workflows.PatchCycleWorkflow, workflows.CycleInput{Group: "nonprod", Cycle: cycle, InstallNow: true, Tuning: t2})
		require.NoError(t, err)
		runs = append(runs, run)
	}
	for _, run := range runs {
		require.Equal(t, workflows.StatusCompleted, s.wait(run).Status)
	}
	spans.mu.Lock()
	defer spans.mu.Unlock()
	require.Len(t, spans.spans, 2, "both cycles installed")
	var cycles []string
	for c := range spans.spans {
		cycles = append(cycles, c)
	}
	for _, a := range spans.spans[cycles[0]] {
		for _, b := range spans.spans[cycles[1]] {
			require.False(t, a[0].Before(b[1]) && b[0].Before(a[1]), "installs of %s (%s..%s) and %s (%s..%s) overlap",
				cycles[0], a[0], a[1], cycles[1], b[0], b[1])
		}
	}
}

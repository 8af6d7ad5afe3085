// Command scale measures one auto cycle over a large simulated group on
// the embedded Temporal server (SQLite), with the simulator's realistic
// durations sped up by its clock, and prints per phase the measured time,
// the ideal the policy allows and their ratio; the largest history; the
// Temporal actions per server, counted as Temporal Cloud bills them; the
// process's peak RSS; and the provider calls per server.
//
//	go run ./bench/scale [-n 10000] [-speed 1] [-concurrency 10] [-max-errors 5] [-canary 1] [-rates=true] [-scan-failures 0]
//
// The ideal scan is one scan (every batch at once); the ideal rollout is,
// per wave, its slowest server (its packages, one after another, and its
// reboot), summed over the waves. With maxErrors below maxConcurrency the
// policy itself allows fewer instances in flight (at most maxErrors+1, so
// that a halt overshoots by less than a batch): the second ideal takes a
// wave in rounds of that many.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/devserver"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/providers/sim"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/workflows"
)

func main() {
	n := flag.Int("n", 10_000, "servers in the group")
	speed := flag.Float64("speed", 1, "simulated clock speed: simulated durations are divided by it (above 1 the runs are shorter and the fixed costs weigh more)")
	concurrency := flag.Int("concurrency", 10, "rollout maxConcurrency, percent of the group")
	maxErrors := flag.Int("max-errors", 5, "rollout maxErrors, percent of the group")
	rates := flag.Bool("rates", true, "the simulated clouds pace API calls per account and subscription (sim.DefaultRates)")
	canary := flag.Int("canary", 1, "rollout canary, servers")
	scanFailures := flag.Float64("scan-failures", 0, "share of scans that fail on an instance (0 to 1), as cloudsim's ScanFailureRate")
	policyPath := flag.String("policy", "deployments/examples/policy", "policy to take the group's baselines from")
	flag.Parse()
	if *scanFailures < 0 || *scanFailures > 1 {
		fmt.Fprintln(os.Stderr, "scale: -scan-failures must be between 0 and 1")
		os.Exit(2)
	}
	if err := run(*n, *speed, *concurrency, *maxErrors, *canary, *scanFailures, *rates, *policyPath, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// rpcCounter counts the client's gRPC calls by method.
type rpcCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (r *rpcCounter) intercept(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	r.mu.Lock()
	r.n[method[strings.LastIndex(method, "/")+1:]]++
	r.mu.Unlock()
	return invoker(ctx, method, req, reply, cc, opts...)
}

func run(n int, speed float64, concurrency, maxErrors, canary int, scanFailures float64, rates bool, policyPath string, out io.Writer) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "fleetpatch-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	port, _, err := devserver.FreePorts()
	if err != nil {
		return err
	}
	srv, err := devserver.Start(ctx, devserver.Options{DataDir: filepath.Join(dir, "temporal"), Port: port, UIPort: devserver.UIDisabled,
		SearchAttributes: workflows.SearchAttributeTypes()})
	if err != nil {
		return err
	}
	defer srv.Stop()

	pol, err := policy.Load(policyPath)
	if err != nil {
		return err
	}
	g := *pol.Groups["nonprod"]
	g.Name, g.Selector, g.OnDemand, g.Reports = "all", fleet.Selector{}, true, nil
	g.Rollout = policy.Rollout{Canary: policy.Amount{Count: canary}, MaxConcurrency: policy.Amount{Percent: float64(concurrency), IsPercent: true},
		MaxErrors: policy.Amount{Percent: float64(maxErrors), IsPercent: true}}
	pol.Groups = map[string]*policy.Group{"all": &g}
	timing := cloudsim.DefaultTiming()
	f := cloudsim.Generate(cloudsim.Config{Seed: 1, Instances: n, Speed: speed, Timing: &timing,
		Faults: cloudsim.Faults{ScanFailureRate: scanFailures}})
	prov := sim.New(f)
	if rates {
		prov.SetRates(sim.DefaultRates)
	}

	rpcs := &rpcCounter{n: map[string]int{}}
	c, err := client.Dial(client.Options{HostPort: srv.FrontendAddress(), Namespace: srv.Namespace(),
		Logger:            sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
		ConnectionOptions: client.ConnectionOptions{DialOptions: []grpc.DialOption{grpc.WithChainUnaryInterceptor(rpcs.intercept)}}})
	if err != nil {
		return err
	}
	defer c.Close()
	w := worker.New(c, workflows.TaskQueue, worker.Options{})
	reports := filepath.Join(dir, "reports")
	workflows.Register(w, &activities.Activities{Provider: prov, LoadPolicy: func() (*policy.Policy, error) { return pol, nil },
		Store: activities.DirStore{Root: filepath.Join(dir, "artifacts")}, ReportDir: reports})
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()

	cycle := workflows.CycleOf(time.Now())
	start := time.Now()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.WorkflowID("all", cycle), TaskQueue: workflows.TaskQueue},
		workflows.PatchCycleWorkflow, workflows.CycleInput{Group: "all", Cycle: cycle, InstallNow: true})
	if err != nil {
		return err
	}
	var res workflows.CycleResult
	if err := run.Get(ctx, &res); err != nil {
		return err
	}
	wall := time.Since(start)
	if res.Report == nil {
		return fmt.Errorf("cycle ended %s without a report", res.Status)
	}
	b, err := os.ReadFile(filepath.Join(res.Report.Dir, "report.json"))
	if err != nil {
		return err
	}
	var rep report.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return err
	}
	hs, err := histories(ctx, c, srv.Namespace())
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "fleetpatch scale: %d servers, simulated clock x%g (scan %s, %s per package, reboot %s), canary %d, maxConcurrency %d%%, maxErrors %d%%, scan failures %g%%\n",
		n, speed, timing.Scan, timing.InstallPerPackage, timing.Reboot, canary, concurrency, maxErrors, scanFailures*100)
	if rates {
		fmt.Fprintf(out, "simulated API rates: %+v\n", sim.DefaultRates)
	}
	fmt.Fprintf(out, "cycle %s in %s: patched %d, failed %d, scan failed %d\n\n", res.Status, wall.Round(10*time.Millisecond),
		res.Counts.Patched, res.Counts.Failed, res.Counts.ScanFailed)
	fmt.Fprintln(out, "| phase | measured | ideal | ratio |\n|---|---|---|---|")
	scanIdeal := time.Duration(float64(timing.Scan) / speed)
	planned := res.Counts.Planned
	budget := g.Rollout.MaxErrors.Of(planned)
	for _, p := range []struct {
		name, phase string
		ideal       time.Duration
	}{{"scan (one scan, every batch at once)", string(workflows.PhaseScan), scanIdeal},
		{"scan (as the simulated API rates allow)", string(workflows.PhaseScan), scanIdeal + scanRateFloor(rep, ratesIf(rates))},
		{"rollout (each wave at once)", string(workflows.PhaseRollout), idealRollout(rep, timing, speed, planned)},
		{fmt.Sprintf("rollout (at most maxErrors+1 = %d in flight)", budget+1), string(workflows.PhaseRollout), idealRollout(rep, timing, speed, budget+1)},
		{"rollout (each wave at once, as the simulated API rates allow)", string(workflows.PhaseRollout),
			max(idealRollout(rep, timing, speed, planned), rolloutRateFloor(rep, ratesIf(rates)))},
	} {
		m := phase(rep, p.phase)
		ratio := "-"
		if m > 0 {
			ratio = strconv.FormatFloat(float64(p.ideal)/float64(m), 'f', 2, 64)
		}
		fmt.Fprintf(out, "| %s | %s | %s | %s |\n", p.name, m.Round(time.Millisecond), p.ideal.Round(time.Millisecond), ratio)
	}
	fmt.Fprintln(out)
	hs.print(out, n, rpcs)
	calls := len(prov.Calls())
	fmt.Fprintf(out, "provider calls: %d (%.3f per server)\n", calls, float64(calls)/float64(n))
	fmt.Fprintf(out, "peak RSS of this process (Temporal server, worker and simulated fleet together): %s; Go heap in use now %.0f MiB\n",
		peakRSS(), heapMiB())
	return nil
}

// ratesIf is sim.DefaultRates when the bench paces calls, else none.
func ratesIf(on bool) sim.Rates {
	if on {
		return sim.DefaultRates
	}
	return sim.Rates{}
}

// scanRateFloor is the least time the simulated API rates let the scan's
// last call wait before it starts: per scope, the calls beyond the
// bucket's burst at its refill rate (an AWS call per batch of an account
// and region, an Azure write per VM of a subscription); the slowest scope
// sets it.
func scanRateFloor(rep report.Report, r sim.Rates) time.Duration {
	return rateFloor(rep, r, false, 1, 1)
}

// rolloutRateFloor is the least time the simulated API rates allow the
// rollout: per Azure subscription, two writes per planned VM (its
// installPatches and its verification's assessPatches) beyond the write
// bucket's burst at its refill rate; per AWS account and region, three
// calls per batch (install, wait for the reboot, verify). The slowest
// scope sets it.
func rolloutRateFloor(rep report.Report, r sim.Rates) time.Duration {
	return rateFloor(rep, r, true, 2, 3)
}

// rateFloor is the least time the simulated API rates allow a phase that
// makes perVM Azure calls per VM and perBatch AWS calls per batch of
// fleet.MaxBatch nodes, over the report's instances (only the planned ones
// when planned is set): per scope (Azure subscription, AWS account and
// region), the calls beyond the bucket's burst at its refill rate. The
// slowest scope sets it.
func rateFloor(rep report.Report, r sim.Rates, planned bool, perVM, perBatch int) time.Duration {
	calls := map[string]int{}
	for _, in := range rep.Instances {
		if planned && !in.Planned {
			continue
		}
		if in.Cloud == fleet.CloudAzure {
			calls["azure|"+in.Account] += perVM
		} else {
			calls["aws|"+in.Account+"|"+in.Region]++
		}
	}
	var floor time.Duration
	for scope, n := range calls {
		perSecond, burst := r.AzurePerSecond, r.AzureBurst
		if strings.HasPrefix(scope, "aws|") {
			perSecond, burst, n = r.AWSPerSecond, r.AWSBurst, perBatch*((n+fleet.MaxBatch-1)/fleet.MaxBatch)
		}
		if perSecond > 0 && n > burst {
			floor = max(floor, time.Duration(float64(n-burst)/perSecond*float64(time.Second)))
		}
	}
	return floor
}

// phase is how long the report's phase took.
func phase(rep report.Report, name string) time.Duration {
	for _, p := range rep.Header.Phases {
		if p.Phase == name && !p.End.IsZero() {
			return p.End.Sub(p.Start)
		}
	}
	return 0
}

// idealRollout sums, over the waves, the time of each with at most
// inFlight instances at once: its instances, slowest first, in rounds of
// inFlight, each round as long as its slowest server (its packages one
// after another, and its reboot).
func idealRollout(rep report.Report, t cloudsim.Timing, speed float64, inFlight int) time.Duration {
	waves := map[int][]time.Duration{}
	for _, in := range rep.Instances {
		if !in.Planned {
			continue
		}
		d := time.Duration(len(in.Packages)) * t.InstallPerPackage
		if in.Reboot.Done {
			d += t.Reboot
		}
		waves[in.Wave] = append(waves[in.Wave], d)
	}
	var sum time.Duration
	for _, ds := range waves {
		slices.SortFunc(ds, func(a, b time.Duration) int { return int(b - a) })
		for i := 0; i < len(ds); i += max(inFlight, 1) {
			sum += ds[i]
		}
	}
	return time.Duration(float64(sum) / speed)
}

// historyStats counts what every workflow's history holds.
type historyStats struct {
	workflows, maxEvents, totalEvents, maxBytes, maxPayloadEvent int
	// maxPayloadWhere names the largest event: its workflow and type.
	maxPayloadWhere string
	maxWorkflow     string
	byType          map[enumspb.EventType]int
	attempts        int
	// waves are the Wave children, in start order, with the longest
	// activity of each type (scheduled to completed).
	waves []waveTimes
}

// waveTimes is one wave's span and its longest activity per type.
type waveTimes struct {
	id      string
	span    time.Duration
	longest map[string]time.Duration
}

func histories(ctx context.Context, c client.Client, ns string) (historyStats, error) {
	hs := historyStats{byType: map[enumspb.EventType]int{}}
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, PageSize: 1000, NextPageToken: token})
		if err != nil {
			return hs, err
		}
		for _, e := range resp.Executions {
			it := c.GetWorkflowHistory(ctx, e.Execution.WorkflowId, e.Execution.RunId, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
			events, bytes := 0, 0
			wave := strings.Contains(e.Execution.WorkflowId, "/wave-")
			wt := waveTimes{id: e.Execution.WorkflowId, longest: map[string]time.Duration{}}
			scheduled := map[int64]struct {
				typ string
				at  time.Time
			}{}
			for it.HasNext() {
				ev, err := it.Next()
				if err != nil {
					return hs, err
				}
				events++
				size := proto.Size(ev)
				bytes += size
				if size > hs.maxPayloadEvent {
					hs.maxPayloadEvent, hs.maxPayloadWhere = size, e.Execution.WorkflowId+" "+ev.EventType.String()
				}
				hs.byType[ev.EventType]++
				if a := ev.GetActivityTaskStartedEventAttributes(); a != nil {
					hs.attempts += int(a.GetAttempt())
				}
				if !wave {
					continue
				}
				if s := ev.GetActivityTaskScheduledEventAttributes(); s != nil {
					scheduled[ev.EventId] = struct {
						typ string
						at  time.Time
					}{s.GetActivityType().GetName(), ev.EventTime.AsTime()}
				}
				if d := ev.GetActivityTaskCompletedEventAttributes(); d != nil {
					s := scheduled[d.GetScheduledEventId()]
					wt.longest[s.typ] = max(wt.longest[s.typ], ev.EventTime.AsTime().Sub(s.at))
				}
				if ev.EventType == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED {
					wt.span = ev.EventTime.AsTime().Sub(e.StartTime.AsTime())
				}
			}
			if wave {
				hs.waves = append(hs.waves, wt)
			}
			hs.workflows++
			hs.totalEvents += events
			if events > hs.maxEvents {
				hs.maxEvents, hs.maxWorkflow = events, e.Execution.WorkflowId
			}
			hs.maxBytes = max(hs.maxBytes, bytes)
		}
		if token = resp.NextPageToken; len(token) == 0 {
			return hs, nil
		}
	}
}

// print writes the histories' figures and the billed actions.
func (hs historyStats) print(out io.Writer, n int, rpcs *rpcCounter) {
	fmt.Fprintf(out, "histories: %d workflows, %d events; largest %s: %d events, %d bytes; largest event %d bytes (%s)\n",
		hs.workflows, hs.totalEvents, hs.maxWorkflow, hs.maxEvents, hs.maxBytes, hs.maxPayloadEvent, hs.maxPayloadWhere)
	rpcs.mu.Lock()
	defer rpcs.mu.Unlock()
	actions := []struct {
		name string
		n    int
	}{
		{"workflow starts", rpcs.n["StartWorkflowExecution"]},
		{"child workflow starts", hs.byType[enumspb.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED]},
		{"activity attempts", hs.attempts},
		{"heartbeats reaching the server", rpcs.n["RecordActivityTaskHeartbeat"] + rpcs.n["RecordActivityTaskHeartbeatById"]},
		{"timers", hs.byType[enumspb.EVENT_TYPE_TIMER_STARTED]},
		{"signals", hs.byType[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED]},
		{"updates", hs.byType[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED]},
		{"queries", rpcs.n["QueryWorkflow"]},
		{"search-attribute upserts", hs.byType[enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES]},
		{"markers (versions, side effects)", hs.byType[enumspb.EVENT_TYPE_MARKER_RECORDED]},
	}
	total := 0
	fmt.Fprintln(out, "| Temporal actions | count | per server |\n|---|---|---|")
	for _, a := range actions {
		total += a.n
		fmt.Fprintf(out, "| %s | %d | %.4f |\n", a.name, a.n, float64(a.n)/float64(n))
	}
	fmt.Fprintf(out, "| **total** | %d | %.4f |\n\n", total, float64(total)/float64(n))
	waveNo := func(id string) int { n, _ := strconv.Atoi(id[strings.LastIndex(id, "-")+1:]); return n }
	sort.Slice(hs.waves, func(i, j int) bool { return waveNo(hs.waves[i].id) < waveNo(hs.waves[j].id) })
	fmt.Fprintln(out, "| wave | span | longest activity of each type (scheduled to completed) |\n|---|---|---|")
	for _, w := range hs.waves {
		var parts []string
		for _, typ := range slices.Sorted(maps.Keys(w.longest)) {
			parts = append(parts, fmt.Sprintf("%s %s", typ, w.longest[typ].Round(100*time.Millisecond)))
		}
		fmt.Fprintf(out, "| %s | %s | %s |\n", w.id[strings.LastIndex(w.id, "/")+1:], w.span.Round(100*time.Millisecond), strings.Join(parts, ", "))
	}
	fmt.Fprintln(out)
	var other []string
	for m, c := range rpcs.n {
		other = append(other, fmt.Sprintf("%s %d", m, c))
	}
	sort.Strings(other)
	fmt.Fprintf(out, "client RPCs: %s\n", strings.Join(other, ", "))
}

// peakRSS is the process's peak resident set (VmHWM), from /proc.
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if kb, err := strconv.Atoi(f[1]); err == nil {
				return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
			}
		}
	}
	return "unknown"
}

func heapMiB() float64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapInuse) / (1 << 20)
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/devserver"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/internal/devpolicy"
	"github.com/fleetpatch/fleetpatch/policy"
	azureprov "github.com/fleetpatch/fleetpatch/providers/azure"
	"github.com/fleetpatch/fleetpatch/providers/multi"
	"github.com/fleetpatch/fleetpatch/providers/sim"
	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "dev", Usage: "[--fleet N] [--seed S] [--policy PATH] [--data DIR] [--port P] [--ui-port P]",
		Summary: "run the whole stack on this machine: Temporal, Web UI, simulated fleet, worker, this week's cycles", Run: runDev})
}

// devOptions are the dev stack's flags.
type devOptions struct {
	fleetSize int
	seed      int64
	policy    string
	data      string
	port      int
	uiPort    int
	cloud     string
	// encrypt turns on payload encryption with a dev key in DIR.
	encrypt bool
	// source is the policy given with --policy; policy becomes the dev copy.
	source string
}

func runDev(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o devOptions
	fs.IntVar(&o.fleetSize, "fleet", cloudsim.DefaultInstances, "simulated fleet size (used when DIR has no fleet yet)")
	fs.Int64Var(&o.seed, "seed", 1, "simulated fleet seed")
	fs.StringVar(&o.policy, "policy", "deployments/examples/policy", "policy file or folder")
	fs.StringVar(&o.data, "data", "fleetpatch-data", "data directory: Temporal database, fleet, artifacts, reports")
	fs.IntVar(&o.port, "port", devserver.DefaultPort, "Temporal frontend port")
	fs.IntVar(&o.uiPort, "ui-port", devserver.DefaultUIPort, "Temporal Web UI port")
	fs.BoolVar(&o.encrypt, "encrypt", true, "encrypt payloads with a key kept in DIR/codec-keys, and serve the codec to the Web UI")
	fs.StringVar(&o.cloud, "cloud", "sim", "how the worker reaches the simulated fleet: sim (in-process), aws-sim (the AWS provider against the built-in SSM/STS/S3 emulator; Azure VMs are not reached) or multi-sim (AWS and Azure providers against both emulators)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	o.source = o.policy
	if o.cloud != "sim" && o.cloud != "aws-sim" && o.cloud != "multi-sim" {
		fmt.Fprintf(stderr, "dev: --cloud %q: use sim, aws-sim or multi-sim\n", o.cloud)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := dev(ctx, o, stdout); err != nil {
		fmt.Fprintln(stderr, "dev:", err)
		return 1
	}
	return 0
}

func dev(ctx context.Context, o devOptions, out io.Writer) error {
	dp, err := devpolicy.Make(o.policy, o.data)
	if err != nil {
		return err
	}
	o.policy = dp.Path
	pol, err := policy.Load(o.policy)
	if err != nil {
		return fmt.Errorf("policy %s:\n%w", o.policy, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	enc, err := startDevCodec(o)
	if err != nil {
		return err
	}
	defer enc.stop()
	attrs := workflows.SearchAttributeTypes()
	srv, err := devserver.Start(ctx, devserver.Options{DataDir: filepath.Join(o.data, "temporal"), Port: o.port,
		UIPort: o.uiPort, SearchAttributes: attrs, Logger: log, CodecEndpoint: enc.url})
	if err != nil {
		return err
	}
	defer srv.Stop()

	fleetPath := filepath.Join(o.data, "fleet.json.gz")
	f, err := sim.Open(fleetPath, cloudsim.Config{Seed: o.seed, Instances: o.fleetSize})
	if err != nil {
		return err
	}
	saveCtx, stopSaving := context.WithCancel(context.Background())
	saved := make(chan struct{})
	go func() { sim.AutoSave(saveCtx, f, fleetPath, 5*time.Second, log); close(saved) }()
	defer func() { stopSaving(); <-saved }()

	copts := client.Options{HostPort: srv.FrontendAddress(), Namespace: srv.Namespace(), Logger: quietLogger{}}
	codec.Apply(&copts, enc.codec)
	c, err := client.Dial(copts)
	if err != nil {
		return err
	}
	defer c.Close()
	reports := filepath.Join(o.data, "reports")
	store := activities.DirStore{Root: filepath.Join(o.data, "artifacts")}
	prov, err := devProvider(ctx, o, f, store, out)
	if err != nil {
		return err
	}
	defer prov.stop()
	w := worker.New(c, workflows.TaskQueue, worker.Options{WorkerStopTimeout: 3 * time.Second})
	workflows.Register(w, &activities.Activities{Provider: prov.Provider,
		LoadPolicy: func() (*policy.Policy, error) { return policy.Load(o.policy) },
		Store:      store, ReportDir: reports})
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()

	cycle := workflows.CycleOf(time.Now())
	groups := slices.Sorted(maps.Keys(pol.Groups))
	fmt.Fprintf(out, "fleetpatch dev stack\n  Temporal:  %s (namespace %s)\n  Web UI:    %s\n  fleet:     %d simulated servers (%s)\n  reports:   %s\n  policy:    %s (a copy of %s with on-demand installs and approver keys in %s)\n\n",
		srv.FrontendAddress(), srv.Namespace(), srv.UIURL(), f.Len(), fleetPath, reports, dp.Path, o.source, filepath.Join(o.data, "approvers"))
	fmt.Fprintln(out, enc.describe())
	fmt.Fprintln(out, "schedules (each group's cycle starts when its scan window opens):")
	if err := syncSchedules(ctx, c, copts.DataConverter, pol, activities.DefaultRetainDays, workflows.TaskQueue, false, indent{out}); err != nil {
		return err
	}
	for _, g := range groups {
		if err := startCycle(ctx, c, g, cycle); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "cycle %s of %d groups running (started now, or resumed from %s); Ctrl-C stops everything\n\n", cycle, len(groups), o.data)
	watchCycles(ctx, c, groups, cycle, "--address "+srv.FrontendAddress()+enc.flag(), dp, out)
	fmt.Fprintln(out, "\nstopping...")
	return nil
}

// startCycle starts the group's cycle as an ad-hoc run whose install window
// opens now; a cycle that already exists (a restarted dev stack) is kept.
func startCycle(ctx context.Context, c client.Client, group, cycle string) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.WorkflowID(group, cycle), TaskQueue: workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.PatchCycleWorkflow, workflows.CycleInput{Group: group, Cycle: cycle, InstallNow: true})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	return err
}

// watchCycles prints each group's progress when it changes, and for
// groups waiting for approval the exact commands that approve them, until
// ctx ends.
// conn is the connection flags the printed commands need.
func watchCycles(ctx context.Context, c client.Client, groups []string, cycle, conn string, dp devpolicy.Policy, out io.Writer) {
	last := map[string]string{}
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		for _, g := range groups {
			st, err := queryStatus(ctx, c, workflows.WorkflowID(g, cycle))
			if err != nil {
				continue
			}
			line := progressLine(st)
			if line == last[g] {
				continue
			}
			last[g] = line
			fmt.Fprintln(out, line)
			if st.Phase == workflows.PhaseAwaitingApproval && st.Sign != nil {
				printApproveHelp(out, st, conn, dp)
			}
			if st.Report != nil {
				fmt.Fprintf(out, "    report: %s\n", st.Report.Dir)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// printApproveHelp prints, for a cycle awaiting approval, the one-line
// approve command with the dev key of its first approver, and the same
// approval signed, as the JSON payload for the Temporal CLI and the Web UI.
func printApproveHelp(out io.Writer, st workflows.CycleStatus, conn string, dp devpolicy.Policy) {
	approver := dp.Approver(st.Group)
	if approver == "" {
		return
	}
	sf := statementFlags{approver: approver}
	kf := signFlags{key: dp.Keys[approver]}
	signed, err := kf.signed(func() (approval.Statement, error) { return sf.statement(st.Sign, approval.Approve, time.Now()) })
	if err != nil {
		fmt.Fprintf(out, "    (cannot sign the example approval: %v)\n", err)
		return
	}
	payload, _ := json.Marshal(signed)
	fmt.Fprintf(out, "    review with:  go run ./starter review %s --group %s --cycle %s\n", conn, st.Group, st.Cycle)
	fmt.Fprintf(out, "    approve with: go run ./starter approve %s --group %s --cycle %s --approver %s --key %s\n",
		conn, st.Group, st.Cycle, approver, dp.Keys[approver])
	fmt.Fprintf(out, "    or send this signed payload as the approve update (Web UI: workflow page, Send an Update; or temporal workflow update execute --name approve --input '…'):\n    %s\n", payload)
}

func queryStatus(ctx context.Context, c client.Client, id string) (workflows.CycleStatus, error) {
	qctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := c.QueryWorkflow(qctx, id, "", workflows.StatusQuery)
	var st workflows.CycleStatus
	if err == nil {
		err = v.Get(&st)
	}
	return st, err
}

func progressLine(st workflows.CycleStatus) string {
	n := st.Counts
	phase := string(st.Phase)
	if st.Status != "" {
		phase += " (" + string(st.Status) + ")"
	}
	line := fmt.Sprintf("%-15s %-28s discovered %4d  scanned %4d  need %4d  patched %4d  pending-reboot %4d  failed %3d",
		st.Group, phase, n.Discovered, n.Scanned, n.NeedPatches, n.Patched, n.PendingReboot, n.Failed)
	if n.LivePatched > 0 {
		line += fmt.Sprintf("  live-patched %d", n.LivePatched)
	}
	if st.Wave.Total > 0 && st.Status == "" {
		line += fmt.Sprintf("  wave %d/%d", st.Wave.Current, st.Wave.Total)
	}
	return line
}

// indent prefixes every line written with two spaces.
type indent struct{ w io.Writer }

func (i indent) Write(p []byte) (int, error) {
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if line != "" {
			if _, err := io.WriteString(i.w, "  "+line); err != nil {
				return 0, err
			}
		}
	}
	return len(p), nil
}

// devProviderHandle is how the dev stack's worker reaches the simulated fleet.
type devProviderHandle struct {
	fleet.Provider
	stop func()
}

// devProvider builds the provider --cloud asks for: the in-process
// simulator, or the real cloud providers against the built-in emulators.
// The Azure provider keeps its resume tokens in store.
func devProvider(ctx context.Context, o devOptions, f *cloudsim.Fleet, store activities.Store, out io.Writer) (devProviderHandle, error) {
	h := devProviderHandle{Provider: sim.New(f), stop: func() {}}
	if o.cloud == "sim" {
		return h, nil
	}
	awsP, endpoint, stopAWS, err := awsSimProvider(ctx, f, o.policy)
	if err != nil {
		return h, err
	}
	fmt.Fprintf(out, "AWS emulator:   %s (SSM, STS, S3), reached through the AWS provider\n", endpoint)
	if o.cloud == "aws-sim" {
		fmt.Fprintln(out, "                Azure VMs are not reached with --cloud aws-sim (use multi-sim)")
		return devProviderHandle{Provider: awsP, stop: stopAWS}, nil
	}
	azP, url, stopAzure, err := azureSimProvider(f, o.policy, activities.Tokens{Store: store, Dir: azureprov.ResumeDir})
	if err != nil {
		stopAWS()
		return h, err
	}
	fmt.Fprintf(out, "Azure emulator: %s (Resource Manager, Resource Graph), reached through the Azure provider\n", url)
	return devProviderHandle{
		Provider: multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: awsP, fleet.CloudAzure: azP}),
		stop:     func() { stopAzure(); stopAWS() },
	}, nil
}

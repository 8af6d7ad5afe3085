package main

// End-to-end tests of the Azure path: a real Temporal server, the worker's
// activities and workflows, providers/multi routing AWS instances to
// providers/aws (through the AWS emulator) and Azure VMs and Arc machines to
// providers/azure (through the Azure emulator, over HTTPS), one simulated
// fleet behind both.

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
	azureprov "github.com/fleetpatch/fleetpatch/providers/azure"
	"github.com/fleetpatch/fleetpatch/providers/multi"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// cloudStack is a stack whose worker drives both clouds through their
// emulators.
type cloudStack struct {
	*stack
	azure  *azurefront.Server
	aws    *awsfront.Server
	awsP   *awsprov.Provider
	resume azureprov.ResumeStore
	url    string
	// arc maps the Arc IDs of the fleet VMs presented as Arc machines to
	// their fleet IDs.
	arc map[string]string
}

// newCloudStack starts a Temporal server, both emulators over n instances
// (Ubuntu and Amazon Linux, so Azure VMs run Ubuntu) and a worker; arc,
// when set, picks the fleet VMs that the Azure emulator presents as Arc
// machines.
func newCloudStack(t *testing.T, n int, speed float64, faults func(*cloudsim.Fleet),
	arc func(*cloudsim.Fleet, *policy.Policy) []string) *cloudStack {
	t.Helper()
	srv := temporaltest.NewServer(temporaltest.WithT(t))
	registerSearchAttributes(t, srv)
	pol := e2ePolicy(t)
	f := cloudsim.Generate(cloudsim.Config{Seed: 7, Instances: n, Speed: speed, OSMix: []cloudsim.Share{
		{Key: cloudsim.ProductUbuntu2204, Weight: 3}, {Key: cloudsim.ProductUbuntu2404, Weight: 1}, {Key: cloudsim.ProductAmazonLinux2023, Weight: 2}}})
	if faults != nil {
		faults(f)
	}

	af := awsfront.New(f, awsfront.Options{})
	hs := httptest.NewServer(af)
	t.Cleanup(func() { hs.Close(); af.Close() })
	base := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAFLEETPATCHE2E001", "secret", "")}
	awsP, err := awsprov.New(context.Background(), awsprov.Config{
		Targets: pol.Targets.AWS, Base: &base, Bucket: "fleetpatch-overrides",
		Endpoints:    awsprov.Endpoints{SSM: hs.URL, STS: hs.URL, S3: hs.URL},
		PollInterval: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Rate: 200, Burst: 50,
	})
	require.NoError(t, err)

	var arcIDs []string
	if arc != nil {
		arcIDs = arc(f, pol)
	}
	zf := azurefront.New(f, azurefront.Options{ArcMachines: arcIDs})
	url, err := zf.Start()
	require.NoError(t, err)
	t.Cleanup(zf.Close)

	dir := t.TempDir()
	s := &cloudStack{azure: zf, aws: af, awsP: awsP, url: url, resume: activities.Tokens{Store: activities.DirStore{Root: filepath.Join(dir, "artifacts")}, Dir: azureprov.ResumeDir},
		arc: map[string]string{},
		stack: &stack{t: t, srv: srv, c: srv.GetDefaultClient(), fleet: f, pol: pol,
			cfg: config{Policy: examplePolicy, DataDir: dir, ReportDir: filepath.Join(dir, "reports")}}}
	for _, id := range arcIDs {
		s.arc[zf.ArcID(id)] = id
	}
	s.startWorker()
	return s
}

// firstArc picks the first Azure VM of a group that misses updates, to be
// presented as an Arc machine.
func firstArc(group string) func(*cloudsim.Fleet, *policy.Policy) []string {
	return func(f *cloudsim.Fleet, pol *policy.Policy) []string {
		insts, err := f.Discover(context.Background(), pol.Groups[group].Selector)
		if err != nil {
			return nil
		}
		for _, in := range insts {
			if pending, _ := f.PendingPatches(in.ID); in.Cloud == fleet.CloudAzure && len(pending) > 0 {
				return []string{in.ID}
			}
		}
		return nil
	}
}

// fleetIDs rewrites the report's Arc IDs to the fleet IDs they stand for,
// so that the report can be checked against the fleet.
func (s *cloudStack) fleetIDs(rep *report.Report) {
	for i, in := range rep.Instances {
		if id, ok := s.arc[in.ID]; ok {
			rep.Instances[i].ID = id
		}
	}
}

// startWorker starts a worker with a new Azure provider (a new process
// would have one) over the shared resume store.
func (s *cloudStack) startWorker() {
	az, err := azureprov.New(azureprov.Config{Targets: s.pol.Targets.Azure, Credential: azureprov.StaticCredential("e2e"),
		Cloud: azureprov.EmulatorCloud(s.url), RootCAs: s.azure.CertPool(), PollInterval: 10 * time.Millisecond,
		RetryDelay: 20 * time.Millisecond, ReadyTimeout: 5 * time.Second, Resume: s.resume})
	require.NoError(s.t, err)
	acts := newActivities(s.cfg, multi.New(map[fleet.Cloud]fleet.Provider{fleet.CloudAWS: s.awsP, fleet.CloudAzure: az}))
	acts.LoadPolicy = func() (*policy.Policy, error) { return s.pol, nil }
	s.worker = s.srv.NewWorkerWithOptions(workflows.TaskQueue, func(r worker.Registry) { workflows.Register(r, acts) },
		worker.Options{WorkerStopTimeout: time.Second})
}

// azureIDs returns the group's Azure VMs.
func (s *cloudStack) azureIDs(group string) []string {
	var out []string
	for _, id := range s.groupIDs(group) {
		if multi.CloudOf(id) == fleet.CloudAzure {
			out = append(out, id)
		}
	}
	return out
}

func TestE2EAzureAndAWSOneApprovalOneReport(t *testing.T) {
	s := newCloudStack(t, 240, 2000, nil, firstArc("prod-sensitive"))
	require.Len(t, s.arc, 1, "one Azure machine of the group is an Arc machine")
	g := s.pol.Groups["prod-sensitive"]
	g.Rollout.MaxConcurrency = policy.Amount{Count: 50}
	ids := s.groupIDs("prod-sensitive")
	before := s.inventory(ids)
	subs, clouds := map[string]bool{}, map[fleet.Cloud]bool{}
	for _, id := range ids {
		in, _ := s.fleet.Instance(id)
		clouds[in.Cloud] = true
		if in.Cloud == fleet.CloudAzure {
			subs[in.Account] = true
		}
	}
	require.Len(t, clouds, 2, "the group spans AWS and Azure")
	require.Len(t, subs, 2, "the Azure VMs span two subscriptions")

	run := s.start("prod-sensitive", workflows.CycleInput{InstallNow: true})
	approveWhenReady(s.stack, run.GetID(), "ops-lead@example.com")
	r := s.wait(run)
	require.Equal(t, workflows.StatusCompleted, r.Status)
	require.Equal(t, "ops-lead@example.com", r.Approval.By)
	rep := s.report(r)
	require.Len(t, rep.Instances, len(ids), "one report, every instance once")
	arcChanged := 0
	for _, i := range rep.Instances {
		if id, ok := s.arc[i.ID]; ok {
			for _, p := range i.Packages {
				if p.State == fleet.StateInstalled || p.State == fleet.StateInstalledPendingReboot {
					require.Equal(t, before[id][p.Name], p.FromVersion, "Arc %s from", p.Name)
					arcChanged++
				}
			}
			require.Equal(t, 1, s.azure.Count("installPatches", i.ID), "one installPatches on the Arc machine")
		}
	}
	require.Positive(t, arcChanged, "the Arc machine's versions are in the report")
	s.fleetIDs(&rep)
	s.checkAgainstFleet(rep, before)
	changed := map[fleet.Cloud]int{}
	for _, i := range rep.Instances {
		for _, p := range i.Packages {
			if (p.State == fleet.StateInstalled || p.State == fleet.StateInstalledPendingReboot) && p.FromVersion != "" && p.FromVersion != p.ToVersion {
				changed[i.Cloud]++
			}
		}
	}
	require.Positive(t, changed[fleet.CloudAWS], "AWS versions in the report")
	require.Positive(t, changed[fleet.CloudAzure], "Azure versions in the report")
	for _, id := range s.azureIDs("prod-sensitive") {
		require.LessOrEqual(t, s.azure.Count("installPatches", id), 1, id)
	}
	for _, c := range s.azure.Calls() {
		if c.Op == "installPatches" {
			require.Less(t, c.Status, 300, "install of %s answered %d %s", c.Resource, c.Status, c.Error)
		}
	}
	require.Positive(t, rep.Header.Counts[report.PendingReboot]+rep.Header.Counts[report.Patched])
}

func TestE2EAzureWorkerRestartResumesTheRunningInstall(t *testing.T) {
	var slow []string
	s := newCloudStack(t, 120, 20, func(f *cloudsim.Fleet) {
		for _, in := range f.Instances() {
			if in.Cloud == fleet.CloudAzure && in.Tags[cloudsim.TagPatchGroup] == cloudsim.GroupNonprod {
				slow = append(slow, in.ID)
			}
		}
		// Each Azure install of the group takes a minute of fleet time
		// (3 s of wall time at speed 20).
		f.SetFaults(cloudsim.Faults{SlowInstallInstances: slow, SlowInstallDelay: time.Minute})
	}, firstArc("nonprod"))
	require.Len(t, s.arc, 1)
	g := s.pol.Groups["nonprod"]
	g.Rollout = policy.Rollout{Canary: policy.Amount{Count: 0}, MaxConcurrency: policy.Amount{Count: 50}, MaxErrors: policy.Amount{Count: 50}}
	ids := s.groupIDs("nonprod")
	require.NotEmpty(t, s.azureIDs("nonprod"))
	before := s.inventory(ids)
	run := s.start("nonprod", workflows.CycleInput{InstallNow: true})
	require.Eventually(t, func() bool { return s.azure.Count("installPatches", "") > 0 }, 2*time.Minute, 10*time.Millisecond)
	s.worker.Stop() // the worker dies while the installs run
	s.startWorker()
	r := s.wait(run)
	require.Equal(t, workflows.StatusCompleted, r.Status)
	resumed := 0
	for _, id := range s.azureIDs("nonprod") {
		require.LessOrEqual(t, s.azure.Count("installPatches", id), 1, "%s: a second installPatches", id)
		require.LessOrEqual(t, s.fleet.InstallCount(id), 1, "%s installed twice", id)
		if s.azure.Count("installPatches", id) == 1 {
			resumed++
		}
	}
	require.Positive(t, resumed)
	for arcID, id := range s.arc {
		require.Equal(t, 1, s.azure.Count("installPatches", arcID), "%s: one installPatches on the Arc machine", arcID)
		require.Equal(t, 1, s.fleet.InstallCount(id), "%s installed once", arcID)
	}
	rep := s.report(r)
	require.Len(t, rep.Instances, len(ids))
	s.fleetIDs(&rep)
	s.checkAgainstFleet(rep, before)
}

package main

// End-to-end tests of the AWS path: a real Temporal server, the worker's
// activities and workflows, providers/aws with the real aws-sdk-go-v2
// clients, and the AWS emulator (cloudsim/awsfront) in front of a
// simulated fleet spread over 3 accounts x 2 regions.

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// awsStack is a stack whose worker drives the fleet through the emulator.
type awsStack struct {
	*stack
	front *awsfront.Server
	aws   *awsprov.Provider
}

// newAWSStack starts a Temporal server, the emulator over n AWS instances
// (clock speed-up speed) and a worker with the AWS provider.
func newAWSStack(t *testing.T, n int, speed float64, fopts awsfront.Options, tune func(*awsprov.Config)) *awsStack {
	t.Helper()
	dir := t.TempDir() // before the server: removed after it stops
	srv := temporaltest.NewServer(temporaltest.WithT(t))
	registerSearchAttributes(t, srv)
	pol := e2ePolicy(t)
	f := cloudsim.Generate(cloudsim.Config{Seed: 7, Instances: n, Speed: speed, AzureShare: -1})

	front := awsfront.New(f, fopts)
	hs := httptest.NewServer(front)
	t.Cleanup(func() { hs.Close(); front.Close() })
	base := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAFLEETPATCHE2E001", "secret", "")}
	pc := awsprov.Config{
		Targets: pol.Targets.AWS, Base: &base, Bucket: "fleetpatch-overrides",
		Endpoints:    awsprov.Endpoints{SSM: hs.URL, STS: hs.URL, S3: hs.URL},
		PollInterval: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond, Rate: 200, Burst: 50,
	}
	if tune != nil {
		tune(&pc)
	}
	prov, err := awsprov.New(context.Background(), pc)
	require.NoError(t, err)

	s := &awsStack{front: front, aws: prov, stack: &stack{t: t, srv: srv, c: srv.GetDefaultClient(), fleet: f, pol: pol,
		cfg: config{Policy: examplePolicy, DataDir: dir, ReportDir: filepath.Join(dir, "reports")}}}
	acts := newActivities(s.cfg, prov)
	acts.LoadPolicy = func() (*policy.Policy, error) { return pol, nil }
	s.worker = srv.NewWorkerWithOptions(workflows.TaskQueue, func(r worker.Registry) { workflows.Register(r, acts) },
		worker.Options{WorkerStopTimeout: time.Second})
	return s
}

// approve waits for the cycle's review and approves it, signed.
func (s *awsStack) approve(run client.WorkflowRun) {
	approveWhenReady(s.stack, run.GetID(), "ops-lead@example.com", func(st *approval.Statement) { st.Comment = "CAB-4711" })
}

// checkCommands checks the emulator's call log: every SendCommand names
// at most 50 instances, each instance is in exactly one Install command,
// and commands carry batches, not single instances.
func (s *awsStack) checkCommands(instances int) {
	commands, named := 0, 0
	installs := map[string]int{}
	for _, c := range s.front.Calls() {
		if c.Op != "SendCommand" {
			continue
		}
		commands++
		named += c.Instances
		require.LessOrEqual(s.t, c.Instances, fleet.MaxBatch, "SendCommand over %d instances", c.Instances)
		if c.Operation == "Install" {
			for _, id := range c.IDs {
				installs[id]++
			}
		}
	}
	for id, n := range installs {
		require.Equal(s.t, 1, n, "%s got %d install commands", id, n)
	}
	require.Positive(s.t, commands)
	require.Less(s.t, commands, instances, "one command per batch and account/region, not per instance")
	require.Greater(s.t, float64(named)/float64(commands), 2.0, "commands carry many instances each")
}

func TestE2EAWSApprovalCycleAcrossAccountsAndRegions(t *testing.T) {
	s := newAWSStack(t, 400, 2000, awsfront.Options{PageSize: 7}, nil)
	g := s.pol.Groups["prod-sensitive"]
	g.Reboot = fleet.RebootIfNeeded // install with reboot
	g.Rollout.MaxConcurrency = policy.Amount{Count: 50}
	// prod-sensitive's maxErrors 1 makes batches of two instances (a batch
	// holds no more than the failures it takes to halt); this test checks
	// how commands carry full batches of 50, so it allows 49 failures.
	g.Rollout.MaxErrors = policy.Amount{Count: 49}
	ids := s.groupIDs("prod-sensitive")
	before := s.inventory(ids)
	places := map[string]bool{}
	for _, id := range ids {
		i, _ := s.fleet.Instance(id)
		places[i.Account+"/"+i.Region] = true
	}
	require.Len(t, places, 6, "the group spans 3 accounts x 2 regions")

	run := s.start("prod-sensitive", workflows.CycleInput{InstallNow: true})
	s.approve(run)
	r := s.wait(run)
	require.Equal(t, workflows.StatusCompleted, r.Status)
	require.Equal(t, "ops-lead@example.com", r.Approval.By)
	rep := s.report(r)
	require.Len(t, rep.Instances, len(ids), "every instance reported once")
	s.checkAgainstFleet(rep, before)
	require.Positive(t, rep.Header.Counts[report.Patched])
	rebooted, changed := 0, 0
	for _, i := range rep.Instances {
		if i.Reboot.Done {
			rebooted++
		}
		for _, p := range i.Packages {
			if p.State == fleet.StateInstalled && p.FromVersion != "" && p.ToVersion != "" && p.FromVersion != p.ToVersion {
				changed++
			}
		}
	}
	require.Positive(t, rebooted, "kernel and libc updates rebooted their instances")
	require.Positive(t, changed, "the report has from -> to versions")
	s.checkCommands(len(ids))
	overrides := 0
	for _, c := range s.front.Calls() {
		if c.Op == "PutObject" {
			overrides++
		}
	}
	require.Positive(t, overrides, "baseline overrides and install lists went to S3")

	// The example's prod-sensitive group snapshots and drains: through the
	// real EC2 and SSM clients, every installed EC2 instance's volumes were
	// snapshotted before its install began and it was drained before and
	// undrained after it, by the emulator's own records.
	recs, _ := s.fleet.Journal(ids...)
	require.NotEmpty(t, recs)
	snapped := map[string]time.Time{}
	for _, sn := range s.fleet.Snapshots() {
		if t0, ok := snapped[sn.InstanceID]; !ok || sn.Created.After(t0) {
			snapped[sn.InstanceID] = sn.Created
		}
	}
	for _, rec := range recs {
		runs := s.fleet.Commands(rec.InstanceID)
		drain, ok := lastRun(runs, drainCommand)
		require.True(t, ok, "%s installed without its drain hook", rec.InstanceID)
		require.False(t, drain.Ended.After(rec.Start), "%s drained after its install began", rec.InstanceID)
		_, ok = lastRun(runs, undrainCommand)
		require.True(t, ok, "%s left drained", rec.InstanceID)
		if strings.HasPrefix(rec.InstanceID, "mi-") {
			continue // hybrid nodes have no EBS volumes
		}
		at, ok := snapped[rec.InstanceID]
		require.True(t, ok, "%s installed without a snapshot", rec.InstanceID)
		require.True(t, at.Before(rec.Start), "%s: snapshot at %s, install at %s", rec.InstanceID, at, rec.Start)
	}
	creates := 0
	for _, c := range s.front.Calls() {
		if c.Service == "ec2" && c.Op == "CreateSnapshots" {
			creates++
		}
	}
	require.Positive(t, creates, "snapshots went through EC2 CreateSnapshots")
}

// A throttling storm (the emulator allows 20 SSM calls a second per account
// and region, the provider sends up to 30) slows a whole cycle down but does
// not stop it, and the provider never sends more than its configured rate.
func TestE2EAWSThrottlingStormCycleFinishes(t *testing.T) {
	const rate, burst = 30, 3
	s := newAWSStack(t, 600, 2000, awsfront.Options{PageSize: 7, Throttle: awsfront.Throttle{Rate: 20, Burst: 2}},
		func(c *awsprov.Config) {
			c.Rate, c.Burst, c.RetryMode, c.MaxAttempts = rate, burst, aws.RetryModeStandard, 30
		})
	// jump-log is Linux only: Windows KB versions are not compared here
	// (SSM inventory names differ from KB titles; see docs/aws.md).
	ids := s.groupIDs("jump-log")
	before := s.inventory(ids)
	r := s.wait(s.start("jump-log", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusCompleted, r.Status)
	require.Positive(t, r.Counts.Patched)
	s.checkAgainstFleet(s.report(r), before)

	rates := s.front.SSMRate()
	require.Positive(t, rates.Throttled, "the storm throttled calls")
	require.LessOrEqual(t, rates.PeakPerSecond, rate+burst, "%s: %d SSM calls within a second", rates.Place, rates.PeakPerSecond)
}

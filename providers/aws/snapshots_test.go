package aws_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/fleet"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

// newSnapEnv is newEnv with snapshots that take snap of real time (a
// real-time fleet clock), so that the provider sees them pending first.
func newSnapEnv(t *testing.T, n int, snap time.Duration, tune func(*awsprov.Config)) *env {
	t.Helper()
	f := cloudsim.Generate(cloudsim.Config{Seed: 11, Instances: n, AzureShare: -1, Speed: 1, Timing: &cloudsim.Timing{Snapshot: snap}})
	fopts := awsfrontOpts()
	fopts.ExternalIDs = map[string]string{}
	for _, a := range cloudsim.DefaultAWSAccounts {
		fopts.ExternalIDs[a] = "fp-" + a
	}
	front := awsfront.New(f, fopts)
	srv := httptest.NewServer(front)
	t.Cleanup(func() { srv.Close(); front.Close() })
	base := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAFLEETPATCHTEST01", "secret", "")}
	pc := awsprov.Config{Targets: targets(), Base: &base, Endpoints: awsprov.Endpoints{SSM: srv.URL, STS: srv.URL, S3: srv.URL},
		PollInterval: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Rate: 1000, Burst: 1000}
	if tune != nil {
		tune(&pc)
	}
	p, err := awsprov.New(context.Background(), pc)
	require.NoError(t, err)
	return &env{t: t, fleet: f, front: front, prov: p, url: srv.URL}
}

// snapTargets returns EC2 instances of two accounts and a hybrid node
// ("" when the fleet has none).
func (e *env) snapTargets() (ec2IDs []string, hybrid string) {
	seen := map[string]int{}
	for _, in := range e.fleet.Instances() {
		switch {
		case strings.HasPrefix(in.ID, "mi-"):
			hybrid = in.ID
		case in.Account != "333333333333" && seen[in.Account] < 3:
			seen[in.Account]++
			ec2IDs = append(ec2IDs, in.ID)
		}
	}
	return ec2IDs, hybrid
}

// snapCalls counts the emulator's EC2 calls of an action.
func (e *env) snapCalls(action string) int {
	n := 0
	for _, c := range e.front.Calls() {
		if c.Service == "ec2" && c.Op == action {
			n++
		}
	}
	return n
}

func TestSnapshotTagsWaitsAndIsIdempotentPerKey(t *testing.T) {
	e := newSnapEnv(t, 120, 60*time.Millisecond, nil)
	ctx := context.Background()
	ids, hybrid := e.snapTargets()
	require.NotEmpty(t, hybrid)
	expires := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	req := fleet.SnapshotRequest{InstanceIDs: append(append([]string{}, ids...), hybrid, "i-0000000000000dead"),
		Group: "prod-auto", Cycle: "2026-W48", Key: "run-1/w0/b0", Expires: expires}
	var mu sync.Mutex
	most, total := 0, 0
	out, err := e.prov.Snapshot(ctx, req, func(done, n int) { // called from the groups' goroutines
		mu.Lock()
		most, total = max(most, done), n
		mu.Unlock()
	})
	require.NoError(t, err)
	require.Equal(t, len(req.InstanceIDs), most, "progress reached every instance")
	require.Equal(t, len(req.InstanceIDs), total)

	disks := 0
	for i, id := range ids {
		o := out[i]
		require.Equal(t, id, o.InstanceID)
		require.Empty(t, o.Error)
		want, _ := e.fleet.Disks(id)
		disks += len(want)
		require.Len(t, o.Snapshots, len(want), id)
		in, _ := e.fleet.Instance(id)
		for k, s := range o.Snapshots {
			assert.Equal(t, want[k].ID, s.Disk)
			assert.Equal(t, want[k].Device, s.Device)
			assert.Equal(t, "completed", s.State)
			assert.Equal(t, fleet.DiskSnapshot{ID: s.ID, InstanceID: id, Cloud: fleet.CloudAWS, Account: in.Account, Region: in.Region,
				Disk: s.Disk, Device: s.Device, Group: "prod-auto", Cycle: "2026-W48", Created: s.Created, Expires: expires, State: "completed"}, s)
		}
	}
	require.Greater(t, disks, len(ids), "some instances have a data volume")
	assert.Contains(t, out[len(ids)].Error, "hybrid node")
	assert.Contains(t, out[len(ids)+1].Error, "InvalidInstanceId")
	journal := e.fleet.Snapshots()
	require.Len(t, journal, disks, "one snapshot per volume, from the emulator's records")
	for _, r := range journal {
		assert.Equal(t, "run-1/w0/b0", r.Tags["fleetpatch:key"])
		assert.Equal(t, r.InstanceID, r.Tags["fleetpatch:instance"])
		assert.Equal(t, "2026-12-07T00:00:00Z", r.Tags["fleetpatch:expires"])
	}
	require.Equal(t, len(ids), e.snapCalls("CreateSnapshots"))
	require.Greater(t, e.snapCalls("DescribeSnapshots"), 2, "polled until complete")

	// A retry with the same key takes nothing new.
	again, err := e.prov.Snapshot(ctx, req, nil)
	require.NoError(t, err)
	require.Equal(t, out, again)
	require.Len(t, e.fleet.Snapshots(), disks, "the emulator took no new snapshot")
	require.Equal(t, len(ids), e.snapCalls("CreateSnapshots"), "no CreateSnapshots on the retry")

	// A volume whose snapshot is gone is snapshotted again, alone.
	var two string
	for i, o := range out[:len(ids)] {
		if len(o.Snapshots) == 2 {
			two = ids[i]
			require.True(t, e.fleet.DeleteSnapshot(o.Snapshots[1].ID))
			break
		}
	}
	require.NotEmpty(t, two)
	_, err = e.prov.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: []string{two}, Key: req.Key, Group: req.Group, Cycle: req.Cycle}, nil)
	require.NoError(t, err)
	journal = e.fleet.Snapshots()
	require.Len(t, journal, disks+1)
	assert.Equal(t, "/dev/sdf", journal[disks].Device, "only the data volume (ExcludeBootVolume)")
}

func TestListAndDeleteSnapshotsByFilterAndExpiry(t *testing.T) {
	e := newSnapEnv(t, 120, 0, nil)
	ctx := context.Background()
	ids, _ := e.snapTargets()
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	_, err := e.prov.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: ids[:3], Group: "prod-auto", Cycle: "2026-W46", Key: "old", Expires: now.Add(-time.Hour)}, nil)
	require.NoError(t, err)
	_, err = e.prov.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: ids[3:], Group: "prod-auto", Cycle: "2026-W48", Key: "new", Expires: now.Add(14 * 24 * time.Hour)}, nil)
	require.NoError(t, err)
	disks, _ := e.fleet.Disks(ids[0])
	in, _ := e.fleet.Instance(ids[0])
	foreign, _, err := e.fleet.CreateSnapshot(cloudsim.SnapshotInput{Disk: disks[0].ID, Tags: map[string]string{"Name": "someone's backup"}})
	require.NoError(t, err)

	all, err := e.prov.ListSnapshots(ctx, fleet.SnapshotFilter{})
	require.NoError(t, err)
	require.Len(t, all, len(e.fleet.Snapshots())-1, "every account and region, fleetpatch's only")
	mine, err := e.prov.ListSnapshots(ctx, fleet.SnapshotFilter{InstanceID: ids[4]})
	require.NoError(t, err)
	require.NotEmpty(t, mine)
	for _, s := range mine {
		require.Equal(t, ids[4], s.InstanceID)
	}
	newer, err := e.prov.ListSnapshots(ctx, fleet.SnapshotFilter{Group: "prod-auto", Cycle: "2026-W48"})
	require.NoError(t, err)
	expired, err := e.prov.ListSnapshots(ctx, fleet.SnapshotFilter{ExpiredBefore: now})
	require.NoError(t, err)
	require.Len(t, expired, len(all)-len(newer))
	for _, s := range expired {
		require.Equal(t, "2026-W46", s.Cycle)
		require.True(t, s.Expires.Before(now))
	}

	gone := expired[0]
	require.True(t, e.fleet.DeleteSnapshot(gone.ID))
	deleted, err := e.prov.DeleteSnapshots(ctx, expired)
	require.NoError(t, err)
	require.ElementsMatch(t, snapIDs(expired), deleted, "the one already gone counts as deleted")
	left, err := e.prov.ListSnapshots(ctx, fleet.SnapshotFilter{})
	require.NoError(t, err)
	require.ElementsMatch(t, snapIDs(newer), snapIDs(left))
	for _, r := range e.fleet.Snapshots() {
		assert.Equal(t, r.Tags["fleetpatch:cycle"] == "2026-W46", !r.Deleted.IsZero(), r.ID)
	}

	deleted, err = e.prov.DeleteSnapshots(ctx, []fleet.DiskSnapshot{{ID: foreign.ID, Account: in.Account, Region: in.Region}, left[0]})
	require.ErrorIs(t, err, fleet.ErrPermanent)
	require.ErrorContains(t, err, foreign.ID)
	require.Equal(t, []string{left[0].ID}, deleted)
	_, ok := e.fleet.SnapshotByID(foreign.ID)
	require.True(t, ok, "a snapshot fleetpatch did not take is never deleted")
}

// snapIDs returns the snapshots' IDs.
func snapIDs(snaps []fleet.DiskSnapshot) []string {
	out := make([]string, len(snaps))
	for i, s := range snaps {
		out[i] = s.ID
	}
	return out
}

func TestSnapshotErrorsMapToPermanentAndThrottled(t *testing.T) {
	e := newSnapEnv(t, 60, 0, func(c *awsprov.Config) { c.MaxAttempts = 2 })
	ctx := context.Background()
	ids, _ := e.snapTargets()
	in, _ := e.fleet.Instance(ids[0])
	req := fleet.SnapshotRequest{InstanceIDs: ids[:1], Key: "k"}

	e.front.DenyAction(in.Account, "ec2:CreateSnapshots", "no identity-based policy allows the ec2:CreateSnapshots action")
	_, err := e.prov.Snapshot(ctx, req, nil)
	require.ErrorIs(t, err, fleet.ErrPermanent)
	require.ErrorContains(t, err, "denied action ec2:CreateSnapshots")
	require.Empty(t, e.fleet.Snapshots())
	e.front.DenyAction(in.Account, "ec2:CreateSnapshots", "")

	e.front.SetThrottle(awsfront.Throttle{Every: 1})
	_, err = e.prov.ListSnapshots(ctx, fleet.SnapshotFilter{})
	require.ErrorIs(t, err, fleet.ErrThrottled)
	require.NotErrorIs(t, err, fleet.ErrPermanent)
	e.front.SetThrottle(awsfront.Throttle{})

	_, err = e.prov.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: ids[:1]}, nil)
	require.ErrorIs(t, err, fleet.ErrPermanent, "a request without a key")
	_, err = e.prov.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: make([]string, fleet.MaxBatch+1), Key: "k"}, nil)
	require.ErrorIs(t, err, fleet.ErrTooManyInstances)
}

func TestSnapshotStopsWaitingWhenTheContextEnds(t *testing.T) {
	e := newSnapEnv(t, 60, time.Hour, nil)
	ids, _ := e.snapTargets()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	out, err := e.prov.Snapshot(ctx, fleet.SnapshotRequest{InstanceIDs: ids[:2], Key: "k"}, nil)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Len(t, out, 2)
	for _, o := range out {
		require.Contains(t, o.Error, "stopped waiting")
		require.NotEmpty(t, o.Snapshots)
		require.Equal(t, "pending", o.Snapshots[0].State)
	}
}

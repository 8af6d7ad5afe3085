package activities

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"golang.org/x/crypto/ssh"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

var (
	testOpenSSL = fleet.Patch{ID: "openssl:3.0.2-0ubuntu1.18", Name: "openssl", Version: "3.0.2-0ubuntu1.18", OS: fleet.OSUbuntu}
	testCurl    = fleet.Patch{ID: "curl:7.81.0-1ubuntu1.20", Name: "curl", Version: "7.81.0-1ubuntu1.20", OS: fleet.OSUbuntu}
	testNow     = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
)

// newCheckedRun stores a manifest (two instances, two patches) for an auto
// group g and returns the activities, the run and the manifest.
func newCheckedRun(t *testing.T) (*Activities, Run, Manifest) {
	t.Helper()
	pol := &policy.Policy{Groups: map[string]*policy.Group{"g": {Name: "g", Mode: policy.ModeAuto}}}
	a := &Activities{Store: DirStore{Root: t.TempDir()}, LoadPolicy: func() (*policy.Policy, error) { return pol, nil },
		Now: func() time.Time { return testNow }}
	run := Run{Group: "g", Cycle: "2026-W48", ID: "run-1"}
	m := Manifest{Patches: []fleet.Patch{testCurl, testOpenSSL}, Instances: []fleet.InstanceInstallRequest{
		{InstanceID: "i-1", PatchIDs: []string{testCurl.ID, testOpenSSL.ID}}, {InstanceID: "i-2", PatchIDs: []string{testOpenSSL.ID}}}}
	m.Digest = manifestDigest(run, m.Patches, m.Instances)
	require.NoError(t, putJSON(context.Background(), a.Store, run.manifestKey(), m))
	return a, run, m
}

func requireIntegrity(t *testing.T, err error, want string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "%v", err)
	require.Equal(t, ErrIntegrity, appErr.Type())
	require.True(t, appErr.NonRetryable())
	require.Contains(t, appErr.Message(), want)
}

// The digest covers group and cycle: the same manifest in another cycle
// has another digest.
func TestManifestDigestCoversGroupAndCycle(t *testing.T) {
	_, run, m := newCheckedRun(t)
	other := run
	other.Cycle = "2026-W49"
	require.NotEqual(t, m.Digest, manifestDigest(other, m.Patches, m.Instances))
	other = run
	other.Group = "h"
	require.NotEqual(t, m.Digest, manifestDigest(other, m.Patches, m.Instances))
}

func TestVerifiedManifestCatchesAChangedManifest(t *testing.T) {
	ctx := context.Background()
	a, run, m := newCheckedRun(t)
	_, err := a.verifiedManifest(ctx, run, m.Digest)
	require.NoError(t, err)
	// A changed version, with the stored digest left as it was.
	b, _ := a.Store.Get(ctx, run.manifestKey())
	require.NoError(t, a.Store.Put(ctx, run.manifestKey(), []byte(strings.Replace(string(b), "1.18", "1.99", 1))))
	_, err = a.verifiedManifest(ctx, run, m.Digest)
	requireIntegrity(t, err, "not to the reviewed and approved digest")
	// Another digest than the reviewed one.
	_, err = a.verifiedManifest(ctx, run, "sha256:other")
	requireIntegrity(t, err, "refusing to install")
}

func TestCheckBatchInstallsOnlyApprovedManifestPatches(t *testing.T) {
	_, _, m := newCheckedRun(t)
	plan := func() BatchPlan {
		return BatchPlan{Instances: []fleet.Instance{{ID: "i-1"}, {ID: "i-2"}}, Request: fleet.InstallRequest{
			Patches:   []fleet.Patch{testCurl, testOpenSSL},
			Instances: []fleet.InstanceInstallRequest{{InstanceID: "i-1", PatchIDs: []string{testCurl.ID, testOpenSSL.ID}}, {InstanceID: "i-2", PatchIDs: []string{testOpenSSL.ID}}}}}
	}
	require.NoError(t, checkBatch(plan(), m, Approved{All: true}))
	for name, c := range map[string]struct {
		change func(*BatchPlan)
		ap     Approved
		want   string
	}{
		"a patch on an instance the manifest does not give it": {func(bp *BatchPlan) { bp.Request.Instances[1].PatchIDs = []string{testCurl.ID} }, Approved{All: true}, "curl:7.81.0-1ubuntu1.20 on i-2 is not in the manifest"},
		"a patch outside the approved subset":                  {func(bp *BatchPlan) {}, Approved{Patches: []string{testOpenSSL.ID}}, "is not approved"},
		"another version of an approved patch":                 {func(bp *BatchPlan) { bp.Request.Patches[1].Version = "3.0.2-0ubuntu1.99" }, Approved{All: true}, "differs from the manifest's"},
		"an extra patch":                                       {func(bp *BatchPlan) { bp.Request.Patches = append(bp.Request.Patches, fleet.Patch{ID: "nginx:1"}) }, Approved{All: true}, "lists 3 patches"},
		"requests out of step with the instances":              {func(bp *BatchPlan) { bp.Instances[0].ID = "i-9" }, Approved{All: true}, "request 0 is for i-1, not i-9"},
	} {
		bp := plan()
		c.change(&bp)
		err := checkBatch(bp, m, c.ap)
		require.ErrorContains(t, err, c.want, name)
	}
}

// For an approval group, the activities verify the signed approval again
// with the group's current keys: a removed key, an expired statement or a
// statement for other patches refuses the install.
func TestCheckApprovedVerifiesSignaturesWithTheCurrentKeys(t *testing.T) {
	ctx := context.Background()
	a, run, m := newCheckedRun(t)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	signer, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	line := "ops@example.com " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
	g := &policy.Group{Name: "g", Mode: policy.ModeApproval, Approval: &policy.Approval{Approvers: []string{"ops@example.com"}, Keys: []string{line}}}
	a.LoadPolicy = func() (*policy.Policy, error) { return &policy.Policy{Groups: map[string]*policy.Group{"g": g}}, nil }
	sign := func(change func(*approval.Statement)) Approved {
		st := approval.Statement{Namespace: "default", Workflow: run.WorkflowID(), Run: run.ID, Decision: approval.Approve,
			Approver: "ops@example.com", Digest: m.Digest, Start: approval.StartWindow, Expires: testNow.Add(time.Hour)}
		change(&st)
		signed, err := approval.Sign(st, signer)
		require.NoError(t, err)
		return Approved{Digest: m.Digest, All: st.Patches == nil, Patches: st.Patches, Approval: &report.Approval{Decision: "approved",
			Signatures: []report.Signature{{Principal: st.Approver, Received: testNow.Add(-time.Hour), Statement: signed.Statement, Signature: signed.Signature}}}}
	}
	require.NoError(t, a.checkApproved(ctx, run, sign(func(*approval.Statement) {}), m, testNow, false))
	requireIntegrity(t, a.checkApproved(ctx, run, Approved{Digest: m.Digest, All: true}, m, testNow, false), "needs a signed approval")

	expired := sign(func(st *approval.Statement) { st.Expires = testNow.Add(-time.Minute) })
	requireIntegrity(t, a.checkApproved(ctx, run, expired, m, testNow, false), "statement expired at")
	// An install already under way is resumed: the statement is judged as
	// of when the cycle received it.
	require.NoError(t, a.checkApproved(ctx, run, expired, m, testNow, true))

	subset := sign(func(st *approval.Statement) { st.Patches = []string{testOpenSSL.ID} })
	subset.All, subset.Patches = true, nil
	requireIntegrity(t, a.checkApproved(ctx, run, subset, m, testNow, false), "approves other patches than the rollout installs")

	otherRun := sign(func(st *approval.Statement) { st.Run = "run-0" })
	requireIntegrity(t, a.checkApproved(ctx, run, otherRun, m, testNow, false), "is for run run-0")

	good := sign(func(*approval.Statement) {})
	g.Approval.Keys = nil // the key was removed from the policy
	requireIntegrity(t, a.checkApproved(ctx, run, good, m, testNow, false), "is not listed for ops@example.com")
	g.Mode = policy.ModeScanOnly
	requireIntegrity(t, a.checkApproved(ctx, run, good, m, testNow, false), "group g is scan-only in the current policy")
}

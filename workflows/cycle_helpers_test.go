package workflows

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
	"golang.org/x/crypto/ssh"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// sunday0100 is a Sunday 01:00 UTC, when the test group's scan window opens.
var sunday0100 = time.Date(2026, 11, 22, 1, 0, 0, 0, time.UTC)

// testKeys are the approvers' SSH keys (generated once per test binary).
var (
	testKeysOnce sync.Once
	testKeys     map[string]ssh.Signer
)

// keyOf returns the signer of a test principal: ops@example.com and
// sre@example.com are approvers, mallory@example.com is not.
func keyOf(principal string) ssh.Signer {
	testKeysOnce.Do(func() {
		testKeys = map[string]ssh.Signer{}
		for _, p := range []string{"ops@example.com", "sre@example.com", "mallory@example.com"} {
			_, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				panic(err)
			}
			s, err := ssh.NewSignerFromKey(priv)
			if err != nil {
				panic(err)
			}
			testKeys[p] = s
		}
	})
	return testKeys[principal]
}

// keyLine is principal's allowed_signers line.
func keyLine(principal string) string {
	return principal + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(keyOf(principal).PublicKey())))
}

// testPolicy is one Ubuntu group with the given mode: security patches
// approved at once, canary 1 then 50% waves, install window Sunday 03:00
// for 4h with a 30m cutoff, on-demand installs allowed. Approval groups
// have two approvers (one signature needed).
func testPolicy(mode policy.Mode, maxErrors int) *policy.Policy {
	b := &policy.Baseline{Name: "ubuntu-all", OperatingSystem: "UBUNTU", ApprovalRules: &policy.ApprovalRules{
		PatchRules: []policy.PatchRule{{PatchFilterGroup: policy.FilterGroup{PatchFilters: []policy.PatchFilter{{Key: "PRODUCT", Values: []string{"Ubuntu22.04"}}}}}}}}
	g := &policy.Group{Name: "g", Selector: fleet.Selector{Tags: map[string]string{"PatchGroup": "g"}},
		Baselines: map[fleet.OSFamily]string{fleet.OSUbuntu: "ubuntu-all"}, Mode: mode, Reboot: fleet.RebootIfNeeded,
		Rollout: policy.Rollout{Canary: policy.Amount{Count: 1}, MaxConcurrency: policy.Amount{Percent: 50, IsPercent: true},
			MaxErrors: policy.Amount{Count: maxErrors}},
		OnDemand: mode != policy.ModeScanOnly,
		Windows:  policy.GroupWindows{Scan: "scan", Install: "install"}}
	if mode == policy.ModeApproval {
		g.Approval = &policy.Approval{Approvers: []string{"ops@example.com", "sre@example.com"},
			Keys:    []string{keyLine("ops@example.com"), keyLine("sre@example.com")},
			Timeout: policy.Duration(72 * time.Hour), InstallStart: policy.StartAtWindow}
	}
	return &policy.Policy{
		Baselines: map[string]*policy.Baseline{b.Name: b},
		Groups:    map[string]*policy.Group{"g": g},
		Windows: map[string]*policy.Window{
			"scan":    {Name: "scan", Cron: "0 1 * * SUN", Duration: policy.Duration(2 * time.Hour)},
			"install": {Name: "install", Cron: "0 3 * * SUN", Duration: policy.Duration(4 * time.Hour), Cutoff: policy.Duration(30 * time.Minute)},
		},
	}
}

type cycleSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	env      *testsuite.TestWorkflowEnvironment
	provider *fakeProvider
	pol      *policy.Policy
	dir      string
	acts     *activities.Activities
}

func TestCycle(t *testing.T) { suite.Run(t, new(cycleSuite)) }

func (s *cycleSuite) SetupTest() {
	s.provider = newFakeProvider(7, "g")
	s.pol = testPolicy(policy.ModeAuto, 1)
	s.dir = s.T().TempDir()
	s.env = s.newEnv()
}

func (s *cycleSuite) newEnv() *testsuite.TestWorkflowEnvironment {
	env := s.NewTestWorkflowEnvironment()
	// The cycle's activities run for real (files, the fake cloud): a loaded
	// CI machine can need more than the SDK's default 3 s of wall time.
	env.SetTestTimeout(30 * time.Second)
	env.SetStartTime(sunday0100)
	s.acts = &activities.Activities{Provider: s.provider, LoadPolicy: func() (*policy.Policy, error) { return s.pol, nil },
		Store: activities.DirStore{Root: filepath.Join(s.dir, "store")}, ReportDir: filepath.Join(s.dir, "reports"), Now: env.Now}
	Register(env, s.acts)
	return env
}

// runCycle runs a PatchCycle under its canonical workflow ID.
func (s *cycleSuite) runCycle(in CycleInput) {
	s.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: WorkflowID(in.Group, in.Cycle)})
	s.env.ExecuteWorkflow(PatchCycle, in)
}

// runRetry runs a RetryFailed under its canonical workflow ID.
func (s *cycleSuite) runRetry(in RetryInput) {
	s.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: RetryWorkflowID(in.Group, in.Cycle, in.Attempt)})
	s.env.ExecuteWorkflow(RetryFailed, in)
}

func (s *cycleSuite) result() CycleResult {
	s.True(s.env.IsWorkflowCompleted())
	s.Require().NoError(s.env.GetWorkflowError())
	var r CycleResult
	s.Require().NoError(s.env.GetWorkflowResult(&r))
	return r
}

func (s *cycleSuite) status() CycleStatus {
	v, err := s.env.QueryWorkflow(StatusQuery)
	s.Require().NoError(err)
	var st CycleStatus
	s.Require().NoError(v.Get(&st))
	return st
}

// readReport reads the JSON report of a run.
func (s *cycleSuite) readReport(run string) report.Report {
	b, err := os.ReadFile(filepath.Join(s.dir, "reports", filepath.FromSlash(run), "report.json"))
	s.Require().NoError(err)
	var r report.Report
	s.Require().NoError(json.Unmarshal(b, &r))
	return r
}

// statement is the approval statement the running cycle asks for, by
// principal, valid for two days, changed by the options.
func (s *cycleSuite) statement(principal string, change ...func(*approval.Statement)) approval.Statement {
	sign := s.status().Sign
	s.Require().NotNil(sign, "the run is not awaiting approval")
	st := approval.Statement{Namespace: sign.Namespace, Workflow: sign.Workflow, Run: sign.Run, Decision: approval.Approve,
		Approver: principal, Digest: sign.Digest, Start: sign.Start, Expires: s.env.Now().Add(48 * time.Hour).Truncate(time.Second).UTC()}
	for _, f := range change {
		f(&st)
	}
	return st
}

// signedBy signs st with signer's key.
func (s *cycleSuite) signedBy(signer string, st approval.Statement) approval.Signed {
	signed, err := approval.Sign(st, keyOf(signer))
	s.Require().NoError(err)
	return signed
}

// approval is principal's own signed approval of the running cycle.
func (s *cycleSuite) approval(principal string, change ...func(*approval.Statement)) ApproveInput {
	return ApproveInput{Signed: s.signedBy(principal, s.statement(principal, change...))}
}

// rejection is principal's own signed rejection.
func (s *cycleSuite) rejection(principal, reason string) RejectInput {
	st := s.statement(principal, func(st *approval.Statement) {
		st.Decision, st.Start, st.Patches, st.Comment = approval.Reject, "", nil, reason
	})
	return RejectInput{Signed: s.signedBy(principal, st)}
}

// update sends an update; the answer arrives asynchronously: read the
// returned refusal ("" when accepted) once the workflow has ended.
func (s *cycleSuite) update(name, id string, in any) (refusal *string) {
	refusal = new(string)
	*refusal = "not answered"
	s.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
		OnReject:   func(err error) { *refusal = err.Error() },
		OnAccept:   func() { *refusal = "" },
		OnComplete: func(any, error) {},
	}, in)
	return refusal
}

// approveAt sends in (built when the callback runs) as an approve update
// d after the start; the test fails if it is refused.
func (s *cycleSuite) approveAt(d time.Duration, in func() ApproveInput) {
	s.env.RegisterDelayedCallback(func() {
		s.Require().Equal(PhaseAwaitingApproval, s.status().Phase)
		s.env.UpdateWorkflow(ApproveName, "approve-"+d.String(), &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { s.Fail("approval refused", err.Error()) },
			OnAccept:   func() {},
			OnComplete: func(any, error) {},
		}, in())
	}, d)
}

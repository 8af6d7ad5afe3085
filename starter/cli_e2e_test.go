package main

// Drives the CLI commands against a real Temporal server (temporaltest)
// with a worker over the simulated fleet, and checks their output and exit
// codes as an operator would.

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/server/temporaltest"
	"golang.org/x/crypto/ssh"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/devserver"
	"github.com/fleetpatch/fleetpatch/internal/devpolicy"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/providers/sim"
	"github.com/fleetpatch/fleetpatch/workflows"
)

const examplePolicy = "../deployments/examples/policy"

// cli runs one CLI command against the test server.
type cli struct {
	t       *testing.T
	address string
	ns      string
	// policy is the dev copy of the example policy (on-demand installs,
	// approver keys in dir/approvers); keys are the approvers' key files.
	policy string
	keys   map[string]string
	dir    string
	// codecKeys is the payload key file: the stack encrypts, as dev does.
	codecKeys string
	worker    worker.Worker
}

func (c cli) run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	words := args
	// Connection flags go after the command words.
	n := 1
	if len(args) > 1 && (args[0] == "cycle" || args[0] == "schedules") {
		n = 2
	}
	words = append(append(append([]string{}, args[:n]...), "--address", c.address, "--namespace", c.ns, "--codec-keys", c.codecKeys), args[n:]...)
	code = run(words, &out, &errb)
	return code, out.String(), errb.String()
}

func startCLIStack(t *testing.T) cli {
	// Made before the server, so it is removed after the server and its
	// worker have stopped (cleanups run last-in, first-out).
	dir := t.TempDir()
	enc, err := startDevCodec(devOptions{data: dir, uiPort: devserver.UIDisabled, encrypt: true})
	require.NoError(t, err)
	var copts client.Options
	codec.Apply(&copts, enc.codec)
	srv := temporaltest.NewServer(temporaltest.WithT(t), temporaltest.WithBaseClientOptions(copts))
	attrs := workflows.SearchAttributeTypes()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err = srv.GetDefaultClient().OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: srv.GetDefaultNamespace(), SearchAttributes: attrs})
	require.NoError(t, err)
	dp, err := devpolicy.Make(examplePolicy, dir, devpolicy.WithoutFreezes())
	require.NoError(t, err)
	f := cloudsim.Generate(cloudsim.Config{Seed: 3, Instances: 120, Speed: 1, Timing: &cloudsim.Timing{}})
	acts := &activities.Activities{Provider: sim.New(f), LoadPolicy: func() (*policy.Policy, error) { return policy.Load(dp.Path) },
		Store: activities.DirStore{Root: filepath.Join(dir, "artifacts")}, ReportDir: filepath.Join(dir, "reports")}
	w := srv.NewWorker(workflows.TaskQueue, func(r worker.Registry) { workflows.Register(r, acts) })
	return cli{t: t, address: srv.GetFrontendHostPort(), ns: srv.GetDefaultNamespace(), policy: dp.Path, keys: dp.Keys, dir: dir,
		codecKeys: enc.keys, worker: w}
}

func (c cli) waitPhase(group, cycle, want string) string {
	c.t.Helper()
	var out string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		_, stdout, stderr := c.run("status", "--group", group, "--cycle", cycle)
		if out = stdout + stderr; strings.Contains(out, want) {
			return out
		}
	}
	c.t.Fatalf("status of %s/%s never showed %q; last:\n%s", group, cycle, want, out)
	return ""
}

// waitClosed waits until the workflow has closed.
func (c cli) waitClosed(id string) {
	c.t.Helper()
	tc, err := client.Dial(client.Options{HostPort: c.address, Namespace: c.ns, Logger: quietLogger{}})
	require.NoError(c.t, err)
	defer tc.Close()
	require.NoError(c.t, tc.GetWorkflow(context.Background(), id, "").Get(context.Background(), nil))
}

func TestCLIAgainstARealServer(t *testing.T) {
	c := startCLIStack(t)

	code, out, errOut := c.run("cycle", "start", "--group", "nope", "--policy", c.policy)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "unknown group nope")
	code, _, errOut = c.run("cycle", "start", "--group", "prod-sensitive", "--now", "--policy", examplePolicy)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "group prod-sensitive does not allow installing outside its install window (--now)")

	code, out, _ = c.run("cycle", "start", "--group", "prod-sensitive", "--cycle", "2026-W48", "--now", "--policy", c.policy)
	require.Equal(t, 0, code, out)
	require.Contains(t, out, "started patch-cycle/prod-sensitive/2026-W48")
	code, _, _ = c.run("cycle", "start", "--group", "prod-sensitive", "--cycle", "2026-W50", "--now", "--policy", c.policy)
	require.Zero(t, code)
	c.waitPhase("prod-sensitive", "2026-W50", "awaiting-approval")
	out = c.waitPhase("prod-sensitive", "2026-W48", "awaiting-approval")
	require.Contains(t, out, "GROUP")

	code, out, _ = c.run("review", "--group", "prod-sensitive", "--cycle", "2026-W48")
	require.Equal(t, 0, code)
	require.Regexp(t, `manifest digest: sha256:[0-9a-f]{64}`, out)
	require.Contains(t, out, "0 of 1 approvals; approve with:")

	ops, sre := c.keys["ops-lead@example.com"], c.keys["sre-oncall@example.com"]
	code, _, errOut = c.run("approve", "--group", "prod-sensitive", "--cycle", "2026-W48", "--approver", "mallory@example.com", "--key", ops)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "is not listed for mallory@example.com")
	require.NotContains(t, errOut, "sre-oncall", "a refusal does not list the approvers")
	require.Equal(t, 1, strings.Count(strings.TrimSpace(errOut), "\n")+1, "one line: %q", errOut)

	code, _, errOut = c.run("approve", "--group", "prod-sensitive", "--cycle", "2026-W48", "--approver", "ops-lead@example.com", "--key", sre)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "is not listed for ops-lead@example.com")

	code, _, errOut = c.run("approve", "--group", "prod-sensitive", "--cycle", "2026-W48", "--approver", "ops-lead@example.com")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--key (or --statement and --signature) is required: approvals are signed")

	// A statement signed for another cycle is refused for this one.
	w50 := filepath.Join(c.dir, "w50.txt")
	code, out, _ = c.run("review", "--group", "prod-sensitive", "--cycle", "2026-W50", "--statement", "--approver", "ops-lead@example.com")
	require.Equal(t, 0, code)
	require.NoError(t, os.WriteFile(w50, []byte(out), 0o600))
	signed, err := approval.Sign(mustParse(t, out), mustSigner(t, ops))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(w50+".sig", []byte(signed.Signature), 0o600))
	code, _, errOut = c.run("approve", "--group", "prod-sensitive", "--cycle", "2026-W48", "--statement", w50, "--signature", w50+".sig")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "is for workflow patch-cycle/prod-sensitive/2026-W50, not patch-cycle/prod-sensitive/2026-W48")

	code, _, errOut = c.run("approve", "--group", "prod-sensitive", "--cycle", "2026-W01", "--approver", "ops-lead@example.com", "--key", ops)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "no such cycle: patch-cycle/prod-sensitive/2026-W01")

	code, out, errOut = c.run("approve", "--group", "prod-sensitive", "--cycle", "2026-W48", "--approver", "ops-lead@example.com", "--key", ops, "--comment", "CAB-7")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "approved")
	require.Contains(t, out, "as ops-lead@example.com with key SHA256:")
	c.waitPhase("prod-sensitive", "2026-W48", "completed")
	c.waitClosed(workflows.WorkflowID("prod-sensitive", "2026-W48")) // the report is written

	// The report's approval verifies offline against the policy's keys,
	// and not against other keys.
	rep := filepath.Join(c.dir, "reports", "prod-sensitive", "2026-W48", "report.json")
	var vout, verr bytes.Buffer
	code = run([]string{"verify-approval", "--report", rep, "--policy", c.policy}, &vout, &verr)
	out = vout.String()
	require.Equal(t, 0, code, verr.String())
	require.Contains(t, out, "OK    ops-lead@example.com  ssh-ed25519 SHA256:")
	require.Contains(t, out, "approved of patch-cycle/prod-sensitive/2026-W48")
	vout.Reset()
	require.Equal(t, 1, run([]string{"verify-approval", "--report", rep, "--policy", examplePolicy}, &vout, &verr))
	require.Contains(t, vout.String(), "FAIL  ops-lead@example.com")

	// Reject another cycle; pause, resume and cancel a third.
	require.Zero(t, first(c.run("cycle", "start", "--group", "nonprod", "--cycle", "2026-W49", "--policy", c.policy)))
	code, out, _ = c.run("reject", "--group", "prod-sensitive", "--cycle", "2026-W50", "--approver", "sre-oncall@example.com", "--key", sre, "--reason", "change freeze")
	require.Equal(t, 0, code, out)
	c.waitPhase("prod-sensitive", "2026-W50", "rejected")

	code, out, _ = c.run("pause", "--group", "nonprod", "--cycle", "2026-W49")
	require.Equal(t, 0, code)
	require.Contains(t, out, "sent pause")
	require.Zero(t, first(c.run("resume", "--group", "nonprod", "--cycle", "2026-W49")))
	require.Zero(t, first(c.run("cancel", "--group", "nonprod", "--cycle", "2026-W49")))
	c.waitPhase("nonprod", "2026-W49", "cancelled")
	c.waitClosed(workflows.WorkflowID("nonprod", "2026-W49"))

	code, out, _ = c.run("retry", "--group", "nonprod", "--cycle", "2026-W49")
	require.Equal(t, 0, code)
	require.Contains(t, out, "started patch-cycle/nonprod/2026-W49/retry-1")

	code, out, _ = c.run("schedules", "sync", "--policy", examplePolicy, "--dry-run")
	require.Equal(t, 0, code)
	require.Contains(t, out, "would create  fleetpatch/prod-auto/weekly-scan")
	code, out, _ = c.run("schedules", "sync", "--policy", examplePolicy)
	require.Equal(t, 0, code)
	require.Equal(t, 6, strings.Count(out, "create  fleetpatch/"))
	require.Contains(t, out, "create  fleetpatch/artifact-retention  30 3 * * * UTC")
	require.Eventually(t, func() bool {
		_, out, _ = c.run("schedules", "sync", "--policy", examplePolicy)
		return strings.Count(out, "unchanged  fleetpatch/") == 6
	}, 30*time.Second, 500*time.Millisecond, "sync is idempotent: %s", out)
	code, out, _ = c.run("schedules", "sync", "--policy", examplePolicy, "--artifact-retention-days", "60")
	require.Equal(t, 0, code)
	require.Contains(t, out, "update  fleetpatch/artifact-retention", "a new retention updates the clean-up's schedule")
	require.Equal(t, 5, strings.Count(out, "unchanged  fleetpatch/"))
	code, _, errOut = c.run("schedules", "sync", "--policy", examplePolicy, "--artifact-retention-days", "3")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "--artifact-retention-days 3 is not between 14 and 3660")

	// Closed cycles are read from their results, not queried: status needs
	// no worker for them.
	c.worker.Stop()
	code, out, errOut = c.run("status", "--group", "prod-sensitive", "--cycle", "2026-W48")
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `prod-sensitive\s+2026-W48\s+approval\s+done\s+completed`, out)

	var eb bytes.Buffer
	require.Equal(t, 1, run([]string{"status", "--address", "127.0.0.1:1"}, &bytes.Buffer{}, &eb))
	require.Contains(t, eb.String(), "server unreachable at 127.0.0.1:1")
}

func first(code int, _, _ string) int { return code }

func mustParse(t *testing.T, text string) approval.Statement {
	t.Helper()
	st, err := approval.Parse(text)
	require.NoError(t, err)
	return st
}

func mustSigner(t *testing.T, keyFile string) ssh.Signer {
	t.Helper()
	s, err := loadSigner(keyFile)
	require.NoError(t, err)
	return s
}

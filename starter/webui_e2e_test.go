package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/devserver"
	"github.com/fleetpatch/fleetpatch/internal/devpolicy"
	"github.com/fleetpatch/fleetpatch/internal/webuitest"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/providers/sim"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// chromium is the headless browser of the Web UI test. Without one the
// test skips and says so; under CI=true (where .ci/run installs Debian's
// chromium) it fails instead.
func chromium(t *testing.T) string {
	t.Helper()
	browser := os.Getenv("FLEETPATCH_CHROMIUM")
	if browser == "" {
		browser = webuitest.DefaultChromium
	}
	if _, err := exec.LookPath(browser); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no Chromium at %s; .ci/run installs Debian's chromium", browser)
		}
		t.Skipf("no Chromium at %s (apt-get install chromium, or set FLEETPATCH_CHROMIUM)", browser)
	}
	return browser
}

// The Web UI path, as an approver without our CLI takes it: the embedded
// Web UI's "Send an Update" on the cycle's page, in headless Chromium. An
// unsigned approval is refused there with the reason; the signed one moves
// the cycle on.
func TestWebUIApprovalNeedsASignature(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	dp, err := devpolicy.Make(examplePolicy, dir, devpolicy.WithoutFreezes())
	require.NoError(t, err)
	port, uiPort := freePorts(t)
	// Encrypted as in dev: the UI decodes and encodes through the codec server.
	enc, err := startDevCodec(devOptions{data: dir, uiPort: uiPort, encrypt: true})
	require.NoError(t, err)
	t.Cleanup(enc.stop)
	srv, err := devserver.Start(t.Context(), devserver.Options{DataDir: filepath.Join(dir, "temporal"), Port: port, UIPort: uiPort,
		SearchAttributes: workflows.SearchAttributeTypes(), Logger: slog.New(slog.DiscardHandler), CodecEndpoint: enc.url})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, srv.Stop()) })
	copts := client.Options{HostPort: srv.FrontendAddress(), Namespace: srv.Namespace(), Logger: quietLogger{}}
	codec.Apply(&copts, enc.codec)
	c, err := client.Dial(copts)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	f := cloudsim.Generate(cloudsim.Config{Seed: 3, Instances: 120, Speed: 1, Timing: &cloudsim.Timing{}})
	w := worker.New(c, workflows.TaskQueue, worker.Options{})
	workflows.Register(w, &activities.Activities{Provider: sim.New(f), LoadPolicy: func() (*policy.Policy, error) { return policy.Load(dp.Path) },
		Store: activities.DirStore{Root: filepath.Join(dir, "artifacts")}, ReportDir: filepath.Join(dir, "reports")})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	id := workflows.WorkflowID("prod-sensitive", "2026-W48")
	_, err = c.ExecuteWorkflow(t.Context(), client.StartWorkflowOptions{ID: id, TaskQueue: workflows.TaskQueue},
		workflows.PatchCycleWorkflow, workflows.CycleInput{Group: "prod-sensitive", Cycle: "2026-W48", InstallNow: true})
	require.NoError(t, err)
	var st workflows.CycleStatus
	require.Eventually(t, func() bool {
		st, err = queryStatus(t.Context(), c, id)
		return err == nil && st.Phase == workflows.PhaseAwaitingApproval
	}, time.Minute, 200*time.Millisecond)

	send := func(payload any) webuitest.Result {
		t.Helper()
		b, err := json.Marshal(payload)
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
		defer cancel()
		res, err := webuitest.SendUpdate(ctx, webuitest.Options{UIURL: srv.UIURL(), Namespace: srv.Namespace(), WorkflowID: id,
			UpdateName: workflows.ApproveName, Payload: string(b), Chromium: browser, ScreenshotDir: t.TempDir()})
		require.NoError(t, err)
		return res
	}

	res := send(map[string]string{"approver": "ops-lead@example.com", "digest": st.Review.Digest})
	require.False(t, res.Accepted)
	require.Contains(t, res.Message, "no signed statement")

	sf := statementFlags{approver: "ops-lead@example.com", comment: "CAB-1234"}
	s, err := sf.statement(st.Sign, approval.Approve, time.Now())
	require.NoError(t, err)
	signed, err := approval.Sign(s, mustSigner(t, dp.Keys["ops-lead@example.com"]))
	require.NoError(t, err)
	res = send(signed)
	require.True(t, res.Accepted, res.Message)

	require.Eventually(t, func() bool {
		st, err = queryStatus(t.Context(), c, id)
		return err == nil && st.Status == workflows.StatusCompleted
	}, 2*time.Minute, 200*time.Millisecond)
	require.Equal(t, "ops-lead@example.com", st.Approval.By)
}

// freePorts returns a free frontend port block and UI port.
func freePorts(t *testing.T) (port, uiPort int) {
	t.Helper()
	port, uiPort, err := devserver.FreePorts()
	require.NoError(t, err)
	return port, uiPort
}

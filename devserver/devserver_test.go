package devserver_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/devserver"
)

const taskQueue = "devserver-test"

var (
	patchGroupKey = temporal.NewSearchAttributeKeyKeyword("PatchGroup")
	waveKey       = temporal.NewSearchAttributeKeyInt64("WaveCount")
	approvedKey   = temporal.NewSearchAttributeKeyBool("Approved")

	searchAttributes = map[string]enumspb.IndexedValueType{
		"PatchGroup": enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		"WaveCount":  enumspb.INDEXED_VALUE_TYPE_INT,
		"Approved":   enumspb.INDEXED_VALUE_TYPE_BOOL,
	}
)

// Greet is the trivial workflow the test runs to completion.
func Greet(_ workflow.Context, name string) (string, error) {
	return "hello " + name, nil
}

// Sleep blocks on a timer for a long time.
func Sleep(ctx workflow.Context) error {
	return workflow.Sleep(ctx, time.Hour)
}

// freePorts returns a free frontend port block and UI port.
func freePorts(t *testing.T) (port, uiPort int) {
	t.Helper()
	port, uiPort, err := devserver.FreePorts()
	require.NoError(t, err)
	return port, uiPort
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func memInUse() string {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return fmt.Sprintf("heap in use %.1f MiB, from OS %.1f MiB, goroutines %d",
		float64(m.HeapInuse)/(1<<20), float64(m.Sys)/(1<<20), runtime.NumGoroutine())
}

func startServer(t *testing.T, o devserver.Options, label string) *devserver.Server {
	t.Helper()
	begin := time.Now()
	s, err := devserver.Start(context.Background(), o)
	require.NoError(t, err)
	t.Logf("MEASURE Start (%s): %s; %s", label, time.Since(begin).Round(time.Millisecond), memInUse())
	return s
}

func stopServer(t *testing.T, s *devserver.Server, label string) {
	t.Helper()
	begin := time.Now()
	require.NoError(t, s.Stop())
	took := time.Since(begin).Round(time.Millisecond)
	t.Logf("MEASURE Stop (%s): %s; after Stop: %s", label, took, memInUse())
}

func dial(t *testing.T, s *devserver.Server) client.Client {
	t.Helper()
	c, err := client.Dial(client.Options{
		HostPort:  s.FrontendAddress(),
		Namespace: s.Namespace(),
		Logger:    sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	require.NoError(t, err)
	return c
}

func startWorker(t *testing.T, c client.Client) worker.Worker {
	t.Helper()
	w := worker.New(c, taskQueue, worker.Options{})
	w.RegisterWorkflow(Greet)
	w.RegisterWorkflow(Sleep)
	require.NoError(t, w.Start())
	return w
}

// listIDs lists workflow IDs matching query, waiting for visibility to
// catch up until want IDs are there.
func listIDs(t *testing.T, c client.Client, query string, want ...string) []string {
	t.Helper()
	var ids []string
	require.EventuallyWithT(t, func(ct *assert.CollectT) {
		resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Query: query})
		if !assert.NoError(ct, err) {
			return
		}
		ids = ids[:0]
		for _, e := range resp.GetExecutions() {
			ids = append(ids, e.GetExecution().GetWorkflowId())
		}
		assert.ElementsMatch(ct, want, ids)
	}, 10*time.Second, 100*time.Millisecond)
	return ids
}

func httpGet(t *testing.T, url string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(body)
}

func TestLifecycle(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	port, uiPort := freePorts(t)
	opts := devserver.Options{
		DataDir:          dir,
		Port:             port,
		UIPort:           uiPort,
		SearchAttributes: searchAttributes,
		Logger:           testLogger(t),
	}
	t.Logf("MEASURE before Start: %s", memInUse())
	s := startServer(t, opts, "fresh dir")
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = s.Stop()
		}
	})
	assert.Equal(t, "127.0.0.1:"+strconv.Itoa(port), s.FrontendAddress())
	assert.Equal(t, "http://127.0.0.1:"+strconv.Itoa(uiPort), s.UIURL())
	assert.FileExists(t, filepath.Join(dir, devserver.DatabaseFile))

	c := dial(t, s)
	w := startWorker(t, c)
	ctx := context.Background()

	// A trivial workflow runs to completion with typed search attributes.
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        "greet-1",
		TaskQueue: taskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			patchGroupKey.ValueSet("prod-auto"), waveKey.ValueSet(3), approvedKey.ValueSet(true)),
	}, Greet, "fleet")
	require.NoError(t, err)
	var got string
	require.NoError(t, run.Get(ctx, &got))
	assert.Equal(t, "hello fleet", got)

	// It is listed by each custom search attribute.
	listIDs(t, c, `PatchGroup = "prod-auto"`, "greet-1")
	listIDs(t, c, `PatchGroup = "prod-auto" AND WaveCount >= 3 AND Approved = true`, "greet-1")
	listIDs(t, c, `PatchGroup = "other"`)

	// The UI serves its page and the workflows API.
	code, ctype, body := httpGet(t, s.UIURL()+"/")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, ctype, "text/html")
	assert.Contains(t, strings.ToLower(body), "<html")
	code, ctype, body = httpGet(t, s.UIURL()+"/api/v1/namespaces/default/workflows")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, ctype, "application/json")
	assert.Contains(t, body, `"greet-1"`)
	// Write actions (signals, updates, cancel...) are enabled in the UI.
	code, _, body = httpGet(t, s.UIURL()+"/api/v1/settings")
	assert.Equal(t, http.StatusOK, code)
	for _, key := range []string{"DisableWriteActions", "WorkflowSignalDisabled", "WorkflowUpdateDisabled",
		"WorkflowCancelDisabled", "StartWorkflowDisabled"} {
		assert.Contains(t, body, `"`+key+`":false`)
	}
	assert.Contains(t, body, `"HideWorkflowQueryErrors":false`)

	// A second server on the same ports fails with the clear error.
	_, err = devserver.Start(ctx, devserver.Options{DataDir: t.TempDir(), Port: port, UIPort: -1})
	require.Error(t, err)
	assert.Equal(t, fmt.Sprintf("devserver: port %d is already in use (is another Temporal dev server running?); choose another with --port", port), err.Error())

	// Stop returns within seconds while a workflow waits on a timer and the
	// worker still polls.
	sleepRun, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sleep-1", TaskQueue: taskQueue}, Sleep)
	require.NoError(t, err)
	// Wait until the timer is scheduled (workflow task completed).
	require.Eventually(t, func() bool {
		it := c.GetWorkflowHistory(ctx, "sleep-1", sleepRun.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return false
			}
			if e.GetEventType() == enumspb.EVENT_TYPE_TIMER_STARTED {
				return true
			}
		}
		return false
	}, 10*time.Second, 100*time.Millisecond)
	stopServer(t, s, "timer workflow running, worker polling")
	stopped = true
	w.Stop()
	c.Close()

	// Ports are free again after Stop.
	for p := port; p < port+8; p++ {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		require.NoError(t, err, "port %d still in use after Stop", p)
		_ = ln.Close()
	}

	// Restart on the same directory: history, search attributes and the
	// running workflow are still there; re-registering is no error.
	s = startServer(t, opts, "existing dir")
	stopped = false
	c = dial(t, s)
	defer c.Close()

	d, err := c.DescribeWorkflowExecution(ctx, "greet-1", "")
	require.NoError(t, err)
	assert.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, d.GetWorkflowExecutionInfo().GetStatus())
	d, err = c.DescribeWorkflowExecution(ctx, "sleep-1", "")
	require.NoError(t, err)
	assert.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, d.GetWorkflowExecutionInfo().GetStatus())

	sas, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: s.Namespace()})
	require.NoError(t, err)
	for name, typ := range searchAttributes {
		assert.Equal(t, typ, sas.GetCustomAttributes()[name], name)
	}
	listIDs(t, c, `PatchGroup = "prod-auto"`, "greet-1")
	code, _, body = httpGet(t, s.UIURL()+"/api/v1/namespaces/default/workflows")
	assert.Equal(t, http.StatusOK, code)
	assert.Contains(t, body, `"greet-1"`)
	assert.Contains(t, body, `"sleep-1"`)

	require.NoError(t, c.TerminateWorkflow(ctx, "sleep-1", "", "test done"))
	stopServer(t, s, "idle")
	stopped = true
}

// A search attribute added to an existing directory is registered through
// the operator service and is usable at once.
func TestAddSearchAttributeOnRestart(t *testing.T) {
	dir := t.TempDir()
	port, _ := freePorts(t)
	opts := devserver.Options{DataDir: dir, Port: port, UIPort: devserver.UIDisabled, Logger: testLogger(t),
		SearchAttributes: map[string]enumspb.IndexedValueType{"PatchGroup": enumspb.INDEXED_VALUE_TYPE_KEYWORD}}
	s := startServer(t, opts, "fresh dir, no UI")
	assert.Empty(t, s.UIURL())
	stopServer(t, s, "idle, no UI")

	opts.SearchAttributes = searchAttributes
	s = startServer(t, opts, "existing dir, 2 new search attributes")
	t.Cleanup(func() { _ = s.Stop() })
	c := dial(t, s)
	defer c.Close()
	w := startWorker(t, c)
	defer w.Stop()
	run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{
		ID: "greet-2", TaskQueue: taskQueue,
		TypedSearchAttributes: temporal.NewSearchAttributes(patchGroupKey.ValueSet("canary"), waveKey.ValueSet(1)),
	}, Greet, "again")
	require.NoError(t, err)
	require.NoError(t, run.Get(context.Background(), nil))
	listIDs(t, c, `WaveCount = 1 AND PatchGroup = "canary"`, "greet-2")
	require.NoError(t, s.Stop())

	// The same name with another type is a clear error, and nothing keeps running.
	opts.SearchAttributes = map[string]enumspb.IndexedValueType{"PatchGroup": enumspb.INDEXED_VALUE_TYPE_INT}
	_, err = devserver.Start(context.Background(), opts)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `search attribute "PatchGroup" exists with type`)
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	require.NoError(t, err, "frontend still running after a failed Start")
	_ = ln.Close()
}

// A taken port is reported before anything starts: no data directory, no
// listener.
func TestPortInUse(t *testing.T) {
	port, uiPort := freePorts(t)
	cases := []struct {
		name  string
		taken int
		want  string
	}{
		{"frontend", port, fmt.Sprintf("devserver: port %d is already in use (is another Temporal dev server running?); choose another with --port", port)},
		{"internal", port + 2, fmt.Sprintf("devserver: port %d (matching service, frontend port+2) is already in use (is another Temporal dev server running?); choose another with --port", port+2)},
		{"ui", uiPort, fmt.Sprintf("devserver: Web UI port %d is already in use (is another Temporal dev server running?); choose another with --ui-port", uiPort)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(tc.taken)))
			require.NoError(t, err)
			defer ln.Close()
			dir := filepath.Join(t.TempDir(), "data")
			s, err := devserver.Start(context.Background(), devserver.Options{DataDir: dir, Port: port, UIPort: uiPort})
			require.Error(t, err)
			assert.Nil(t, s)
			assert.Equal(t, tc.want, err.Error())
			_, statErr := os.Stat(dir)
			assert.True(t, errors.Is(statErr, os.ErrNotExist), "data directory created")
			if tc.taken != port {
				probe, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
				require.NoError(t, err, "frontend port taken")
				_ = probe.Close()
			}
		})
	}
}

// Another loopback address works for the frontend and the internal services.
func TestOtherIP(t *testing.T) {
	port, _ := freePorts(t)
	s := startServer(t, devserver.Options{DataDir: t.TempDir(), IP: "127.0.0.2", Port: port, UIPort: devserver.UIDisabled,
		Logger: testLogger(t)}, "fresh dir, IP 127.0.0.2, no UI")
	defer func() { require.NoError(t, s.Stop()) }()
	assert.Equal(t, "127.0.0.2:"+strconv.Itoa(port), s.FrontendAddress())
	c := dial(t, s)
	defer c.Close()
	w := startWorker(t, c)
	defer w.Stop()
	run, err := c.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{TaskQueue: taskQueue}, Greet, "ip")
	require.NoError(t, err)
	require.NoError(t, run.Get(context.Background(), nil))
}

func TestOptionsErrors(t *testing.T) {
	cases := map[string]devserver.Options{
		"no data dir":   {},
		"bad ip":        {DataDir: "x", IP: "localhost:1"},
		"port too high": {DataDir: "x", Port: 65530},
		"ui collides":   {DataDir: "x", Port: 7233, UIPort: 7236},
		"untyped sa":    {DataDir: "x", SearchAttributes: map[string]enumspb.IndexedValueType{"A": 0}},
	}
	for name, o := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := devserver.Start(context.Background(), o)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), "devserver: "), err.Error())
		})
	}
}

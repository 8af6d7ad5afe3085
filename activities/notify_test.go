package activities

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/notify"
	"github.com/fleetpatch/fleetpatch/policy"
)

// hookReceiver is a local webhook endpoint that answers with statuses in
// turn (the last repeats) and keeps the requests.
type hookReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	bodies   [][]byte
	headers  []http.Header
	statuses []int
}

func newHookReceiver(t *testing.T, statuses ...int) *hookReceiver {
	r := &hookReceiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, b)
		r.headers = append(r.headers, req.Header.Clone())
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status = r.statuses[min(len(r.bodies), len(r.statuses))-1]
		}
		r.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.bodies)
}

func notifyRun() Run { return Run{Group: "prod-sensitive", Cycle: "2026-W48", ID: "run-1"} }

func reviewReady() notify.Event {
	stmt, approve := notify.ReviewCommands("prod-sensitive", "2026-W48")
	return notify.Event{Kind: notify.ReviewReady, Body: "12 patches wait for review.",
		Review: &notify.Review{Patches: 12, Instances: 40, ManifestDigest: "sha256:" + strings.Repeat("ab", 32),
			StatementCommand: stmt, ApproveCommand: approve}}
}

func newNotifyActivities(t *testing.T) *Activities {
	return &Activities{Store: DirStore{Root: t.TempDir()}, Now: func() time.Time { return testNow }}
}

// Called twice (a retry, a replayed workflow), the event is sent once.
func TestNotifySentOnce(t *testing.T) {
	rcv := newHookReceiver(t)
	t.Setenv("FP_TEST_SLACK", rcv.URL+"/services/T/B/token")
	a := newNotifyActivities(t)
	in := NotifyInput{Run: notifyRun(), Event: reviewReady(),
		Destinations: []policy.Notification{{Type: policy.NotifySlack, URL: "env:FP_TEST_SLACK"}}}
	ctx := context.Background()
	res, err := a.Notify(ctx, in)
	require.NoError(t, err)
	require.Equal(t, []NotifyDelivery{{Index: 0, Type: "slack", Status: NotifySent}}, res.Deliveries)
	res, err = a.Notify(ctx, in)
	require.NoError(t, err)
	require.Equal(t, NotifyAlreadySent, res.Deliveries[0].Status)
	require.Equal(t, 1, rcv.count())
	var rec notifyRecord
	found, err := getJSON(ctx, a.Store, "cycles/prod-sensitive/2026-W48/run-1/notifications/review-ready-0.json", &rec)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, "patch-cycle/prod-sensitive/2026-W48/run-1/review-ready", rec.Delivery)

	// Another event of the same run is its own delivery.
	halted := notify.Event{Kind: notify.Halted, Halt: notify.NewHalt("maxErrors exceeded", []string{"i-1"})}
	_, err = a.Notify(ctx, NotifyInput{Run: in.Run, Event: halted, Destinations: in.Destinations})
	require.NoError(t, err)
	require.Equal(t, 2, rcv.count())
}

// A 500 is retried by the activity's retry policy; the destination that
// worked the first time is not sent to again.
func TestNotifyRetriedOn500(t *testing.T) {
	ok := newHookReceiver(t)
	flaky := newHookReceiver(t, http.StatusInternalServerError, http.StatusOK)
	t.Setenv("FP_TEST_TEAMS", ok.URL+"/webhookb2/token")
	t.Setenv("FP_TEST_HOOK", flaky.URL+"/hook")
	t.Setenv("FP_TEST_KEY", "k")
	a := newNotifyActivities(t)

	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(a.Notify)
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in NotifyInput) (NotifyResult, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second,
			RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3}})
		var res NotifyResult
		err := workflow.ExecuteActivity(ctx, "Notify", in).Get(ctx, &res)
		return res, err
	}, workflow.RegisterOptions{Name: "notifyTest"})
	in := NotifyInput{Run: notifyRun(), Event: reviewReady(), Destinations: []policy.Notification{
		{Type: policy.NotifyTeams, URL: "env:FP_TEST_TEAMS"},
		{Type: policy.NotifyWebhook, URL: "env:FP_TEST_HOOK", Secret: "env:FP_TEST_KEY"},
	}}
	env.ExecuteWorkflow("notifyTest", in)
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res NotifyResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, []NotifyDelivery{{Index: 0, Type: "teams", Status: NotifyAlreadySent}, {Index: 1, Type: "webhook", Status: NotifySent}}, res.Deliveries)
	require.Equal(t, 1, ok.count(), "the working destination got the event once")
	require.Equal(t, 2, flaky.count(), "the flaky one: a 500, then the delivery")
	require.Equal(t, flaky.headers[0].Get(notify.HeaderDelivery), flaky.headers[1].Get(notify.HeaderDelivery), "a retry is the same delivery")
}

// The signature header verifies with the key, computed here with
// crypto/hmac as a receiver would.
func TestNotifyWebhookSignature(t *testing.T) {
	rcv := newHookReceiver(t)
	key := "receiver-shared-key"
	t.Setenv("FP_TEST_HOOK", rcv.URL+"/hook")
	t.Setenv("FP_TEST_KEY", key)
	a := newNotifyActivities(t)
	_, err := a.Notify(context.Background(), NotifyInput{Run: notifyRun(), Event: reviewReady(),
		Destinations: []policy.Notification{{Type: policy.NotifyWebhook, URL: "env:FP_TEST_HOOK", Secret: "env:FP_TEST_KEY"}}})
	require.NoError(t, err)
	require.Equal(t, 1, rcv.count())
	m := hmac.New(sha256.New, []byte(key))
	m.Write(rcv.bodies[0])
	require.Equal(t, "sha256="+hex.EncodeToString(m.Sum(nil)), rcv.headers[0].Get("X-Fleetpatch-Signature"))
	require.Equal(t, "review-ready", rcv.headers[0].Get("X-Fleetpatch-Event"))
	require.Equal(t, "patch-cycle/prod-sensitive/2026-W48/run-1/review-ready", rcv.headers[0].Get("X-Fleetpatch-Delivery"))
	require.Contains(t, string(rcv.bodies[0]), `"group":"prod-sensitive"`, "the run's fields are filled in")
	require.NotContains(t, string(rcv.bodies[0]), key)
}

// A 4xx is not retried, and is not recorded as sent.
func TestNotifyRejectedIsNotRetryable(t *testing.T) {
	rcv := newHookReceiver(t, http.StatusNotFound)
	t.Setenv("FP_TEST_SLACK", rcv.URL+"/services/T/B/token")
	a := newNotifyActivities(t)
	res, err := a.Notify(context.Background(), NotifyInput{Run: notifyRun(), Event: reviewReady(),
		Destinations: []policy.Notification{{Type: policy.NotifySlack, URL: "env:FP_TEST_SLACK"}}})
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.True(t, appErr.NonRetryable())
	require.Equal(t, ErrNotifyRejected, appErr.Type())
	require.NotContains(t, err.Error(), "token")
	require.Equal(t, NotifyFailed, res.Deliveries[0].Status)
	keys, err := a.Store.List(context.Background(), notifyRun().Prefix()+"/notifications/")
	require.NoError(t, err)
	require.Empty(t, keys)
}

// An unset secret reference skips the destination without an error (the
// cycle goes on); once set, the event goes out. Events a destination does
// not subscribe to are not sent to it.
func TestNotifyUnresolvedSecretSkipsAndFilters(t *testing.T) {
	rcv := newHookReceiver(t)
	a := newNotifyActivities(t)
	in := NotifyInput{Run: notifyRun(), Event: reviewReady(), Destinations: []policy.Notification{
		{Type: policy.NotifySlack, URL: "env:FP_TEST_UNSET_SLACK"},
		{Type: policy.NotifySlack, URL: "env:FP_TEST_UNSET_SLACK", Events: []string{"halted"}},
	}}
	res, err := a.Notify(context.Background(), in)
	require.NoError(t, err)
	require.Len(t, res.Deliveries, 1, "the halted-only destination is not asked")
	require.Equal(t, NotifySkipped, res.Deliveries[0].Status)
	require.Contains(t, res.Deliveries[0].Reason, "FP_TEST_UNSET_SLACK is not set")
	require.Zero(t, rcv.count())

	t.Setenv("FP_TEST_UNSET_SLACK", rcv.URL+"/services/x")
	res, err = a.Notify(context.Background(), in)
	require.NoError(t, err)
	require.Equal(t, NotifySent, res.Deliveries[0].Status)
	require.Equal(t, 1, rcv.count())
}

func TestNotifyRefusesBadInput(t *testing.T) {
	a := newNotifyActivities(t)
	cases := []struct {
		name string
		edit func(*NotifyInput)
		want string
	}{
		{"other group", func(in *NotifyInput) { in.Event.Group = "prod-auto" }, `group "prod-auto" is not the run's`},
		{"bad event", func(in *NotifyInput) { in.Event.Review = nil }, "needs its review"},
		{"literal url", func(in *NotifyInput) { in.Destinations[0].URL = "https://hooks.slack.com/x" }, "notifications[0]"},
		{"bad run", func(in *NotifyInput) { in.Run.Cycle = "../../etc" }, "is not an ISO week"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := NotifyInput{Run: notifyRun(), Event: reviewReady(),
				Destinations: []policy.Notification{{Type: policy.NotifySlack, URL: "env:X"}}}
			c.edit(&in)
			_, err := a.Notify(context.Background(), in)
			var appErr *temporal.ApplicationError
			require.ErrorAs(t, err, &appErr)
			require.Equal(t, ErrBadInput, appErr.Type())
			require.ErrorContains(t, err, c.want)
		})
	}
}

// The e-mail reaches a local SMTP server with its subject and body.
func TestNotifyEmail(t *testing.T) {
	srv := startTestSMTP(t)
	host, port, _ := net.SplitHostPort(srv.addr)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	a := newNotifyActivities(t)
	e := notify.Event{Kind: notify.Completed, Title: "prod-sensitive 2026-W48 completed",
		Result: &notify.Result{Instances: 40, Installed: 38, Failed: 1, Skipped: 1, Report: "reports/prod-sensitive/2026-W48/report.html"}}
	res, err := a.Notify(context.Background(), NotifyInput{Run: notifyRun(), Event: e, Destinations: []policy.Notification{{
		Type: policy.NotifyEmail, To: []string{"owners@example.com"},
		SMTP: &policy.SMTP{Host: host, Port: p, From: "fleetpatch@example.com"}}}})
	require.NoError(t, err)
	require.Equal(t, NotifySent, res.Deliveries[0].Status)
	msgs := srv.messages()
	require.Len(t, msgs, 1)
	m, err := mail.ReadMessage(strings.NewReader(msgs[0]))
	require.NoError(t, err)
	require.Equal(t, "prod-sensitive 2026-W48 completed", m.Header.Get("Subject"))
	require.Equal(t, "owners@example.com", m.Header.Get("To"))
	body, _ := io.ReadAll(m.Body)
	require.Contains(t, string(body), "Instances: 40: 38 installed, 1 failed, 1 skipped")
	require.Contains(t, string(body), "Report: reports/prod-sensitive/2026-W48/report.html")
}

// testSMTP is a local SMTP server (github.com/emersion/go-smtp) that keeps
// the messages it accepts.
type testSMTP struct {
	addr string
	mu   sync.Mutex
	msgs []string
}

func startTestSMTP(t *testing.T) *testSMTP {
	ts := &testSMTP{}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return smtpSession{ts}, nil }))
	srv.Domain = "localhost"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ts.addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ts
}

func (ts *testSMTP) messages() []string {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]string(nil), ts.msgs...)
}

type smtpSession struct{ ts *testSMTP }

func (smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (smtpSession) Reset()                               {}
func (smtpSession) Logout() error                        { return nil }
func (s smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	s.ts.mu.Lock()
	s.ts.msgs = append(s.ts.msgs, string(b))
	s.ts.mu.Unlock()
	return err
}

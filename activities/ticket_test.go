package activities

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/ticket/tickettest"
)

const (
	snUser = "svc-fleetpatch"
	snPass = "sn-SECRET-password"
)

// ticketFixture is a ServiceNow stand-in, a store holding the run's
// review, and the input of each step.
type ticketFixture struct {
	sn     *tickettest.Server
	a      *Activities
	review []byte
	in     ChangeTicketInput
}

func newTicketFixture(t *testing.T) *ticketFixture {
	sn := tickettest.New(t, "Basic "+base64.StdEncoding.EncodeToString([]byte(snUser+":"+snPass)))
	t.Setenv("FP_TEST_SN_USER", snUser)
	t.Setenv("FP_TEST_SN_PASSWORD", snPass)
	a := newNotifyActivities(t)
	run := notifyRun()
	rev := Review{Digest: "sha256:" + strings.Repeat("ab", 32), Key: run.Prefix() + "/review.json", Instances: 40,
		Patches: []ReviewPatch{{ID: "p1", Name: "openssl", InstanceCount: 40, Instances: []string{"i-1"}}}}
	require.NoError(t, putJSON(context.Background(), a.Store, rev.Key, rev))
	stored, err := a.Store.Get(context.Background(), rev.Key)
	require.NoError(t, err)
	return &ticketFixture{sn: sn, a: a, review: stored, in: ChangeTicketInput{
		Run: run,
		Ticket: policy.ChangeTicket{Type: policy.TicketServiceNow, Instance: sn.URL,
			Username: "env:FP_TEST_SN_USER", Password: "env:FP_TEST_SN_PASSWORD", Category: "software"},
		Review:    ChangeTicketReview{Patches: 1, Instances: 40, Digest: rev.Digest},
		ReviewKey: rev.Key,
	}}
}

func (f *ticketFixture) step(step, outcome string) ChangeTicketInput {
	in := f.in
	in.Step, in.Outcome = step, outcome
	if step == TicketClosed {
		in.Summary = "40 instances: 40 installed, 0 failed. Report: reports/prod-sensitive/2026-W48/report.html"
	}
	return in
}

func jsonOf(t *testing.T, b []byte) map[string]string {
	t.Helper()
	var m map[string]string
	require.NoError(t, json.Unmarshal(b, &m))
	return m
}

// The three steps, twice (a retry, a replayed workflow): one change, one
// attachment, one move to Implement, one close; the second pass sends
// nothing.
func TestChangeTicketStepsOnce(t *testing.T) {
	f := newTicketFixture(t)
	ctx := context.Background()
	var results []ChangeTicketResult
	for pass := 0; pass < 2; pass++ {
		for _, s := range []struct{ step, outcome string }{{TicketReview, ""}, {TicketApproved, ""}, {TicketClosed, "completed"}} {
			res, err := f.a.ChangeTicket(ctx, f.step(s.step, s.outcome))
			require.NoError(t, err, "pass %d step %s", pass, s.step)
			results = append(results, res)
		}
	}
	require.Equal(t, TicketDone, results[0].Status)
	require.Equal(t, "New", results[0].State)
	require.Regexp(t, `^CHG\d{7}$`, results[0].Number)
	require.Equal(t, "Implement", results[1].State)
	require.Equal(t, ChangeTicketResult{Number: results[0].Number, SysID: results[0].SysID, State: "Closed", Status: TicketDone}, results[2])
	for _, r := range results[3:] {
		require.Equal(t, TicketAlreadyDone, r.Status)
		require.Equal(t, "Closed", r.State)
	}

	reqs := f.sn.Requests()
	var seq []string
	for _, r := range reqs {
		seq = append(seq, r.Method+" "+r.Path)
		require.NotContains(t, r.RawQuery, snPass)
	}
	id := results[0].SysID
	require.Equal(t, []string{
		"GET /api/now/table/change_request", "POST /api/now/table/change_request",
		"GET /api/now/attachment", "POST /api/now/attachment/file",
		"PATCH /api/now/table/change_request/" + id,
		"GET /api/now/table/change_request/" + id, "PATCH /api/now/table/change_request/" + id, "PATCH /api/now/table/change_request/" + id,
	}, seq, "the second pass sends nothing")

	created := jsonOf(t, reqs[1].Body)
	require.Equal(t, "normal", created["type"])
	require.Equal(t, "patch-cycle/prod-sensitive/2026-W48", created["correlation_id"])
	require.Equal(t, "fleetpatch prod-sensitive 2026-W48: 1 patches on 40 instances", created["short_description"])
	require.Contains(t, created["description"], "sha256:"+strings.Repeat("ab", 32))
	require.Contains(t, created["description"], "go run ./starter approve --group prod-sensitive --cycle 2026-W48")
	require.Equal(t, "software", created["category"])
	require.Equal(t, "file_name=review.json&table_name=change_request&table_sys_id="+id, reqs[3].RawQuery)
	require.Equal(t, "application/json", reqs[3].ContentType)
	require.Equal(t, f.review, reqs[3].Body, "the stored review is attached as it is")
	require.Equal(t, map[string]string{"state": "-1"}, jsonOf(t, reqs[4].Body))
	require.Equal(t, "3", jsonOf(t, reqs[7].Body)["state"])

	ch := f.sn.Changes()
	require.Len(t, ch, 1)
	require.Equal(t, "3", ch[0].State)
	require.Equal(t, "successful", ch[0].CloseCode)
	require.Equal(t, f.step(TicketClosed, "").Summary, ch[0].CloseNotes)

	var rec ticketRecord
	found, err := getJSON(ctx, f.a.Store, "cycles/prod-sensitive/2026-W48/run-1/ticket.json", &rec)
	require.NoError(t, err)
	require.True(t, found)
	require.Equal(t, id, rec.SysID)
	require.Len(t, rec.Steps, 3)
	raw, err := f.a.Store.Get(ctx, "cycles/prod-sensitive/2026-W48/run-1/ticket.json")
	require.NoError(t, err)
	require.NotContains(t, string(raw), snPass)
	require.NotContains(t, string(raw), snUser)
}

// A 503 on the upload fails the attempt with a retryable error; the retry
// finds the change it opened and uploads once.
func TestChangeTicketRetriedOn503(t *testing.T) {
	f := newTicketFixture(t)
	f.sn.FailOn(http.MethodPost, "/api/now/attachment/file", http.StatusServiceUnavailable)

	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivity(f.a.ChangeTicket)
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in ChangeTicketInput) (ChangeTicketResult, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second,
			RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3}})
		var res ChangeTicketResult
		err := workflow.ExecuteActivity(ctx, "ChangeTicket", in).Get(ctx, &res)
		return res, err
	}, workflow.RegisterOptions{Name: "ticketTest"})
	env.ExecuteWorkflow("ticketTest", f.step(TicketReview, ""))
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res ChangeTicketResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Equal(t, TicketDone, res.Status)
	require.Equal(t, 1, f.sn.Count(http.MethodPost, "/api/now/table/change_request"), "one change")
	require.Equal(t, 2, f.sn.Count(http.MethodPost, "/api/now/attachment/file"), "a 503, then the upload")
	require.Len(t, f.sn.Files(), 1)
	require.Len(t, f.sn.Changes(), 1)
}

// A refused transition is not retryable and not recorded as done.
func TestChangeTicketRejected(t *testing.T) {
	f := newTicketFixture(t)
	ctx := context.Background()
	_, err := f.a.ChangeTicket(ctx, f.step(TicketReview, ""))
	require.NoError(t, err)
	f.sn.FailOn(http.MethodPatch, "/api/now/table/change_request/"+f.sn.Changes()[0].SysID, http.StatusForbidden)
	res, err := f.a.ChangeTicket(ctx, f.step(TicketApproved, ""))
	var appErr *temporal.ApplicationError
	require.ErrorAs(t, err, &appErr)
	require.True(t, appErr.NonRetryable())
	require.Equal(t, ErrTicketRejected, appErr.Type())
	require.Contains(t, err.Error(), "HTTP 403")
	require.NotContains(t, err.Error(), snPass)
	require.Equal(t, f.sn.Changes()[0].Number, res.Number)
	res, err = f.a.ChangeTicket(ctx, f.step(TicketApproved, ""))
	require.NoError(t, err)
	require.Equal(t, TicketDone, res.Status, "not recorded: done on the next call")
	require.Equal(t, "Implement", res.State)
}

// A run rejected before it was implemented cancels its change; a halted
// one closes it unsuccessful.
func TestChangeTicketClosedOutcomes(t *testing.T) {
	ctx := context.Background()
	f := newTicketFixture(t)
	_, err := f.a.ChangeTicket(ctx, f.step(TicketReview, ""))
	require.NoError(t, err)
	res, err := f.a.ChangeTicket(ctx, f.step(TicketClosed, "rejected"))
	require.NoError(t, err)
	require.Equal(t, "Canceled", res.State)
	require.Contains(t, f.sn.Changes()[0].WorkNotes, "the run ended rejected")

	f = newTicketFixture(t)
	for _, s := range []string{TicketReview, TicketApproved} {
		_, err := f.a.ChangeTicket(ctx, f.step(s, ""))
		require.NoError(t, err)
	}
	res, err = f.a.ChangeTicket(ctx, f.step(TicketClosed, "halted"))
	require.NoError(t, err)
	require.Equal(t, "Closed", res.State)
	require.Equal(t, "unsuccessful", f.sn.Changes()[0].CloseCode)
}

// An unset credential reference skips the step (no request, nothing
// recorded); once set, the step is done. A step with no change to update
// is skipped too.
func TestChangeTicketUnresolvedSkips(t *testing.T) {
	f := newTicketFixture(t)
	ctx := context.Background()
	in := f.step(TicketReview, "")
	in.Ticket.Password = "env:FP_TEST_SN_UNSET"
	res, err := f.a.ChangeTicket(ctx, in)
	require.NoError(t, err)
	require.Equal(t, TicketSkipped, res.Status)
	require.Contains(t, res.Reason, "FP_TEST_SN_UNSET is not set")
	require.Empty(t, f.sn.Requests())

	res, err = f.a.ChangeTicket(ctx, f.step(TicketApproved, ""))
	require.NoError(t, err)
	require.Equal(t, TicketSkipped, res.Status, "no change was opened")
	require.Contains(t, res.Reason, "no change request")

	t.Setenv("FP_TEST_SN_UNSET", snPass)
	res, err = f.a.ChangeTicket(ctx, in)
	require.NoError(t, err)
	require.Equal(t, TicketDone, res.Status)
}

func TestChangeTicketRefusesBadInput(t *testing.T) {
	f := newTicketFixture(t)
	cases := []struct {
		name string
		edit func(*ChangeTicketInput)
		want string
	}{
		{"step", func(in *ChangeTicketInput) { in.Step = "opened" }, `step "opened"`},
		{"literal password", func(in *ChangeTicketInput) { in.Ticket.Password = snPass }, "changeTicket.password: must be a reference"},
		{"http instance", func(in *ChangeTicketInput) { in.Ticket.Instance = "http://sn.example.com" }, "changeTicket.instance"},
		{"digest", func(in *ChangeTicketInput) { in.Review.Digest = "abc" }, "digest"},
		{"review key", func(in *ChangeTicketInput) { in.ReviewKey = "cycles/other/2026-W48/run-1/review.json" }, "review key"},
		{"outcome", func(in *ChangeTicketInput) { in.Step, in.Outcome, in.Summary = TicketClosed, "done", "s" }, `outcome "done"`},
		{"summary", func(in *ChangeTicketInput) { in.Step, in.Outcome = TicketClosed, "completed" }, "summary"},
		{"run", func(in *ChangeTicketInput) { in.Run.Cycle = "../x" }, "is not an ISO week"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := f.step(TicketReview, "")
			c.edit(&in)
			_, err := f.a.ChangeTicket(context.Background(), in)
			var appErr *temporal.ApplicationError
			require.ErrorAs(t, err, &appErr)
			require.Equal(t, ErrBadInput, appErr.Type())
			require.ErrorContains(t, err, c.want)
			require.NotContains(t, err.Error(), snPass)
		})
	}
	require.Empty(t, f.sn.Requests())
}

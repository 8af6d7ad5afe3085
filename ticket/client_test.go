package ticket

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/ticket/tickettest"
)

const (
	testUser  = "svc-fleetpatch"
	testPass  = "p4ss-w0rd-SECRET"
	testToken = "oauth-TOKEN-SECRET"
)

func basicAuth() string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(testUser+":"+testPass))
}

// env is a LookupEnv over a map.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func basicClient(t *testing.T, sn *tickettest.Server, group string) *Client {
	t.Helper()
	c, err := New(policy.ChangeTicket{Type: policy.TicketServiceNow, Instance: sn.URL, Username: "env:SN_USER",
		Password: "env:SN_PASSWORD", AssignmentGroup: group, Category: "software"},
		Options{LookupEnv: env(map[string]string{"SN_USER": testUser, "SN_PASSWORD": testPass})})
	require.NoError(t, err)
	return c
}

func body(t *testing.T, r tickettest.Request) map[string]string {
	t.Helper()
	var m map[string]string
	require.NoError(t, json.Unmarshal(r.Body, &m), "body %s", r.Body)
	return m
}

const corr = "patch-cycle/prod-sensitive/2026-W48"

func TestCreateFindsBeforeCreating(t *testing.T) {
	sn := tickettest.New(t, basicAuth())
	sn.Groups["Linux Ops"] = strings.Repeat("ab", 16)
	c := basicClient(t, sn, "Linux Ops")
	ctx := context.Background()
	n := NewChange{ShortDescription: "fleetpatch: prod-sensitive 2026-W48,\n12 patches", Description: "details", CorrelationID: corr}

	ch, created, err := c.Create(ctx, n)
	require.NoError(t, err)
	require.True(t, created)
	require.Equal(t, StateNew, ch.State)
	require.Regexp(t, `^CHG\d{7}$`, ch.Number)

	reqs := sn.Requests()
	require.Len(t, reqs, 3, "find, group by name, create")
	require.Equal(t, "GET", reqs[0].Method)
	require.Equal(t, "/api/now/table/change_request", reqs[0].Path)
	require.Contains(t, reqs[0].RawQuery, "sysparm_query=correlation_id%3Dpatch-cycle%2Fprod-sensitive%2F2026-W48%5Eactive%3Dtrue")
	require.Equal(t, "/api/now/table/sys_user_group", reqs[1].Path)
	require.Equal(t, "POST", reqs[2].Method)
	require.Equal(t, "application/json", reqs[2].ContentType)
	for _, r := range reqs {
		require.Equal(t, basicAuth(), r.Auth, "%s %s", r.Method, r.Path)
	}
	require.Equal(t, map[string]string{
		"short_description": "fleetpatch: prod-sensitive 2026-W48, 12 patches", "description": "details", "type": "normal",
		"correlation_id": corr, "correlation_display": "fleetpatch", "assignment_group": strings.Repeat("ab", 16), "category": "software",
	}, body(t, reqs[2]))

	again, created, err := c.Create(ctx, n)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, ch, again)
	require.Equal(t, 1, sn.Count("POST", "/api/now/table/change_request"), "a second create finds the first")
	require.Len(t, sn.Changes(), 1)
}

func TestTokenAuthAndGroupSysID(t *testing.T) {
	sn := tickettest.New(t, "Bearer "+testToken)
	group := strings.Repeat("0f", 16)
	c, err := New(policy.ChangeTicket{Type: policy.TicketServiceNow, Instance: sn.URL + "/", Token: "env:SN_TOKEN", AssignmentGroup: group},
		Options{LookupEnv: env(map[string]string{"SN_TOKEN": testToken + "\n"})})
	require.NoError(t, err)
	_, _, err = c.Create(context.Background(), NewChange{ShortDescription: "x", CorrelationID: corr})
	require.NoError(t, err)
	require.Zero(t, sn.Count("GET", "/api/now/table/sys_user_group"), "a sys_id is used as it is")
	require.Equal(t, group, sn.Changes()[0].AssignmentGroup)
	require.NotContains(t, c.String(), testToken)
}

func TestAttachOnce(t *testing.T) {
	sn := tickettest.New(t, basicAuth())
	c := basicClient(t, sn, "")
	id := sn.AddChange(tickettest.Change{CorrelationID: corr})
	data := []byte(`{"digest":"sha256:ab"}`)
	a, created, err := c.Attach(context.Background(), id, "review.json", "application/json", data)
	require.NoError(t, err)
	require.True(t, created)
	reqs := sn.Requests()
	require.Len(t, reqs, 2)
	require.Equal(t, "/api/now/attachment", reqs[0].Path)
	require.Equal(t, "sysparm_limit=1&sysparm_query=table_name%3Dchange_request%5Etable_sys_id%3D"+id+"%5Efile_name%3Dreview.json", reqs[0].RawQuery)
	require.Equal(t, "POST", reqs[1].Method)
	require.Equal(t, "/api/now/attachment/file", reqs[1].Path)
	require.Equal(t, "file_name=review.json&table_name=change_request&table_sys_id="+id, reqs[1].RawQuery)
	require.Equal(t, "application/json", reqs[1].ContentType)
	require.Equal(t, data, reqs[1].Body)
	files := sn.Files()
	require.Len(t, files, 1)
	require.Equal(t, a.SysID, files[0].SysID)

	again, created, err := c.Attach(context.Background(), id, "review.json", "application/json", data)
	require.NoError(t, err)
	require.False(t, created)
	require.Equal(t, a.SysID, again.SysID)
	require.Len(t, sn.Files(), 1)

	_, _, err = c.Attach(context.Background(), id, "../review.json", "application/json", data)
	require.ErrorIs(t, err, ErrRejected)
	_, _, err = c.Attach(context.Background(), id, "review.json", "", data)
	require.ErrorIs(t, err, ErrRejected)
}

func TestMoveToAndClose(t *testing.T) {
	sn := tickettest.New(t, basicAuth())
	c := basicClient(t, sn, "")
	ctx := context.Background()
	id := sn.AddChange(tickettest.Change{CorrelationID: corr})

	ch, err := c.MoveTo(ctx, id, StateImplement)
	require.NoError(t, err)
	require.Equal(t, "Implement", ch.State.Name())
	reqs := sn.Requests()
	require.Equal(t, "PATCH", reqs[0].Method)
	require.Equal(t, "/api/now/table/change_request/"+id, reqs[0].Path)
	require.Equal(t, map[string]string{"state": "-1"}, body(t, reqs[0]))

	ch, err = c.Close(ctx, id, CloseSuccessful, "40 instances: 40 installed")
	require.NoError(t, err)
	require.Equal(t, StateClosed, ch.State)
	reqs = sn.Requests()[1:]
	require.Len(t, reqs, 3, "read, Review, Closed")
	require.Equal(t, "GET", reqs[0].Method)
	require.Equal(t, map[string]string{"state": "0", "close_code": "successful", "close_notes": "40 instances: 40 installed"}, body(t, reqs[1]))
	require.Equal(t, map[string]string{"state": "3", "close_code": "successful", "close_notes": "40 instances: 40 installed"}, body(t, reqs[2]))
	got := sn.Changes()[0]
	require.Equal(t, "successful", got.CloseCode)
	require.Equal(t, "40 instances: 40 installed", got.CloseNotes)

	// A closed change is left alone.
	_, err = c.Close(ctx, id, CloseUnsuccessful, "again")
	require.NoError(t, err)
	require.Equal(t, 4, len(sn.Requests())-1, "only a read")
	require.Equal(t, "successful", sn.Changes()[0].CloseCode)

	_, err = c.MoveTo(ctx, id, State("7"))
	require.ErrorIs(t, err, ErrRejected)
	_, err = c.MoveTo(ctx, "../../sys_user", StateImplement)
	require.ErrorIs(t, err, ErrRejected)
}

func TestCancel(t *testing.T) {
	sn := tickettest.New(t, basicAuth())
	c := basicClient(t, sn, "")
	id := sn.AddChange(tickettest.Change{CorrelationID: corr})
	ch, err := c.Cancel(context.Background(), id, "rejected by ops-lead@example.com")
	require.NoError(t, err)
	require.Equal(t, StateCanceled, ch.State)
	reqs := sn.Requests()
	require.Equal(t, map[string]string{"state": "4", "work_notes": "rejected by ops-lead@example.com"}, body(t, reqs[len(reqs)-1]))
}

// 5xx, 429 and timeouts are worth a retry; 4xx (a refused transition,
// wrong credentials) and redirects are not. No error repeats a secret.
func TestErrorsRetryableOrRejected(t *testing.T) {
	sn := tickettest.New(t, basicAuth())
	c := basicClient(t, sn, "")
	ctx := context.Background()
	id := sn.AddChange(tickettest.Change{CorrelationID: corr})
	noSecret := func(err error) {
		t.Helper()
		for _, s := range []string{testPass, testToken, base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPass))} {
			require.NotContains(t, err.Error(), s)
		}
	}
	for _, status := range []int{500, 503, 429, 408} {
		sn.FailNext(status)
		_, err := c.Get(ctx, id)
		require.Error(t, err)
		require.NotErrorIs(t, err, ErrRejected, "HTTP %d", status)
		require.Contains(t, err.Error(), "injected failure")
		noSecret(err)
	}
	for _, status := range []int{400, 401, 403, 404} {
		sn.FailNext(status)
		_, err := c.Get(ctx, id)
		require.ErrorIs(t, err, ErrRejected, "HTTP %d", status)
		noSecret(err)
	}
	// New to Review is not a transition of a normal change.
	_, err := c.MoveTo(ctx, id, StateReview)
	require.ErrorIs(t, err, ErrRejected)
	require.Contains(t, err.Error(), "HTTP 403: Invalid state transition")

	wrong, err := New(policy.ChangeTicket{Type: policy.TicketServiceNow, Instance: sn.URL, Token: "env:T"},
		Options{LookupEnv: env(map[string]string{"T": testToken})})
	require.NoError(t, err)
	_, err = wrong.Get(ctx, id)
	require.ErrorIs(t, err, ErrRejected)
	require.Contains(t, err.Error(), "HTTP 401")
	noSecret(err)

	redirect := httptest.NewServer(http.RedirectHandler("https://login.example.com/", http.StatusFound))
	defer redirect.Close()
	rc, err := New(policy.ChangeTicket{Type: policy.TicketServiceNow, Instance: redirect.URL, Token: "env:T"},
		Options{LookupEnv: env(map[string]string{"T": testToken})})
	require.NoError(t, err)
	_, err = rc.Get(ctx, id)
	require.ErrorIs(t, err, ErrRejected)
	require.Contains(t, err.Error(), "HTTP 302")

	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer slow.Close()
	sc, err := New(policy.ChangeTicket{Type: policy.TicketServiceNow, Instance: slow.URL, Token: "env:T"},
		Options{HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}, LookupEnv: env(map[string]string{"T": testToken})})
	require.NoError(t, err)
	_, err = sc.Get(ctx, id)
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrRejected, "a timeout is worth a retry")
	noSecret(err)
	require.Equal(t, DefaultTimeout, httpClient(nil).Timeout)
}

func TestNewResolvesReferences(t *testing.T) {
	tk := policy.ChangeTicket{Type: policy.TicketServiceNow, Instance: "https://example.service-now.com", Username: "env:SN_USER", Password: "env:SN_PASSWORD"}
	_, err := New(tk, Options{LookupEnv: env(map[string]string{"SN_USER": testUser})})
	require.ErrorIs(t, err, ErrUnresolved)
	require.Contains(t, err.Error(), "changeTicket.password")
	require.Contains(t, err.Error(), "SN_PASSWORD is not set")

	tk.Password = "literal"
	_, err = New(tk, Options{})
	require.ErrorIs(t, err, ErrRejected)
	require.NotContains(t, err.Error(), "literal")
}

// An instance that ignores the query (a field it cannot filter on) does
// not make Find take another change for the cycle's.
func TestFindChecksCorrelationID(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"result":[{"sys_id":"` + strings.Repeat("1", 32) + `","number":"CHG0000001","state":"-5","correlation_id":"other"}]}`))
	}))
	defer srv.Close()
	c, err := New(policy.ChangeTicket{Type: policy.TicketServiceNow, Instance: srv.URL, Token: "env:T"},
		Options{LookupEnv: env(map[string]string{"T": testToken})})
	require.NoError(t, err)
	_, _, err = c.Find(context.Background(), corr)
	require.ErrorIs(t, err, ErrRejected)
	_, _, err = c.Find(context.Background(), "a^ORactive=false")
	require.True(t, errors.Is(err, ErrRejected))
}

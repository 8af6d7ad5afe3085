package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/policy"
)

// hookToken is the secret part of the receivers' URLs; no error may show it.
const hookToken = "T000/B000/XXXXTOKENXXXX"

// delivery is one request a test receiver got.
type delivery struct {
	Header http.Header
	Body   []byte
}

// receiver is a local webhook endpoint answering with the given statuses
// in turn (the last one repeats) and keeping every request.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []delivery
	statuses []int
	reply    string
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, delivery{Header: req.Header.Clone(), Body: body})
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status = r.statuses[min(len(r.got), len(r.statuses))-1]
		}
		reply := r.reply
		r.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, reply)
	}))
	t.Cleanup(r.Close)
	return r
}

// URL is the receiver's webhook URL, with a token in its path.
func (r *receiver) URL() string { return r.Server.URL + "/services/" + hookToken }

func (r *receiver) Deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

// env is a LookupEnv over a map.
func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestWebhookSignedDelivery(t *testing.T) {
	rcv := newReceiver(t)
	key := "hmac-key-of-the-receiver"
	s, err := New(policy.Notification{Type: policy.NotifyWebhook, URL: "env:HOOK_URL", Secret: "env:HOOK_KEY"},
		Options{LookupEnv: env(map[string]string{"HOOK_URL": rcv.URL(), "HOOK_KEY": key})})
	require.NoError(t, err)
	e := reviewEvent()
	require.NoError(t, s.Send(context.Background(), e))

	got := rcv.Deliveries()
	require.Len(t, got, 1)
	d := got[0]
	require.Equal(t, "application/json", d.Header.Get("Content-Type"))
	require.Equal(t, "review-ready", d.Header.Get(HeaderEvent))
	require.Equal(t, e.DeliveryID(), d.Header.Get(HeaderDelivery))
	sig := d.Header.Get(HeaderSignature)
	require.True(t, strings.HasPrefix(sig, "sha256="), sig)
	require.True(t, Verify([]byte(key), d.Body, sig), "signature verifies with the key")
	require.False(t, Verify([]byte("another key"), d.Body, sig), "and with no other key")
	require.False(t, Verify([]byte(key), append(d.Body, ' '), sig), "nor over another body")
	var back Event
	require.NoError(t, json.Unmarshal(d.Body, &back))
	require.Equal(t, e.Review.ManifestDigest, back.Review.ManifestDigest)
	require.NotContains(t, string(d.Body), key)
}

func TestHTTPStatusesAndNoURLInErrors(t *testing.T) {
	cases := []struct {
		status    int
		permanent bool
	}{
		{http.StatusBadRequest, true}, {http.StatusNotFound, true}, {http.StatusForbidden, true},
		{http.StatusFound, true}, // no redirects
		{http.StatusTooManyRequests, false}, {http.StatusInternalServerError, false}, {http.StatusServiceUnavailable, false},
	}
	for _, c := range cases {
		rcv := newReceiver(t, c.status)
		rcv.reply = "invalid_payload"
		for _, typ := range []string{policy.NotifySlack, policy.NotifyTeams, policy.NotifyWebhook} {
			s, err := New(policy.Notification{Type: typ, URL: "env:U", Secret: secretFor(typ)},
				Options{LookupEnv: env(map[string]string{"U": rcv.URL(), "K": "k"})})
			require.NoError(t, err)
			err = s.Send(context.Background(), reviewEvent())
			require.Error(t, err, "%s %d", typ, c.status)
			require.Equal(t, c.permanent, errors.Is(err, ErrPermanent), "%s %d: %v", typ, c.status, err)
			require.NotContains(t, err.Error(), "XXXXTOKENXXXX")
		}
	}
	// A receiver that is gone: retryable, and the URL is not in the error.
	rcv := newReceiver(t)
	u := rcv.URL()
	rcv.Close()
	err := (&Slack{URL: u}).Send(context.Background(), reviewEvent())
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrPermanent))
	require.NotContains(t, err.Error(), "XXXXTOKENXXXX")
}

func secretFor(typ string) string {
	if typ == policy.NotifyWebhook {
		return "env:K"
	}
	return ""
}

func TestSlackPayload(t *testing.T) {
	rcv := newReceiver(t)
	e := reviewEvent()
	e.Body = "Kernel <5.15> & openssl"
	require.NoError(t, (&Slack{URL: rcv.URL()}).Send(context.Background(), e))
	var msg struct {
		Text   string `json:"text"`
		Blocks []struct {
			Type string `json:"type"`
			Text struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"text"`
		} `json:"blocks"`
	}
	require.NoError(t, json.Unmarshal(rcv.Deliveries()[0].Body, &msg))
	require.Equal(t, e.Subject(), msg.Text)
	require.Len(t, msg.Blocks, 2)
	require.Equal(t, "header", msg.Blocks[0].Type)
	require.Equal(t, "mrkdwn", msg.Blocks[1].Text.Type)
	sec := msg.Blocks[1].Text.Text
	require.Contains(t, sec, "Kernel &lt;5.15&gt; &amp; openssl")
	require.Contains(t, sec, "*Manifest digest:* "+testDigest)
	require.Contains(t, sec, "```go run ./starter review --group prod-sensitive --cycle 2026-W48 --statement --approver YOU &gt; statement.txt```")
}

func TestTeamsAdaptiveCard(t *testing.T) {
	rcv := newReceiver(t, http.StatusAccepted)
	require.NoError(t, (&Teams{URL: rcv.URL()}).Send(context.Background(), reviewEvent()))
	var msg struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string  `json:"contentType"`
			ContentURL  *string `json:"contentUrl"`
			Content     struct {
				Type    string `json:"type"`
				Version string `json:"version"`
				Body    []struct {
					Type  string `json:"type"`
					Text  string `json:"text"`
					Facts []struct{ Title, Value string }
				} `json:"body"`
			} `json:"content"`
		} `json:"attachments"`
	}
	require.NoError(t, json.Unmarshal(rcv.Deliveries()[0].Body, &msg))
	require.Equal(t, "message", msg.Type)
	require.Len(t, msg.Attachments, 1)
	a := msg.Attachments[0]
	require.Equal(t, "application/vnd.microsoft.card.adaptive", a.ContentType)
	require.Nil(t, a.ContentURL)
	require.Equal(t, "AdaptiveCard", a.Content.Type)
	require.Equal(t, "1.2", a.Content.Version)
	require.Equal(t, "fleetpatch prod-sensitive 2026-W48: review ready", a.Content.Body[0].Text)
	var facts, texts []string
	for _, b := range a.Content.Body {
		texts = append(texts, b.Text)
		for _, f := range b.Facts {
			facts = append(facts, f.Title+"="+f.Value)
		}
	}
	require.Contains(t, facts, "Manifest digest="+testDigest)
	require.Contains(t, strings.Join(texts, "\n"), "go run ./starter approve --group prod-sensitive")

	// Legacy connectors answer a throttled post with 200 and a text.
	thr := newReceiver(t, http.StatusOK)
	thr.reply = "Microsoft Teams endpoint returned HTTP error 429"
	err := (&Teams{URL: thr.URL()}).Send(context.Background(), reviewEvent())
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrPermanent))
}

func TestSecretReferences(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/hook"
	require.NoError(t, writeFile(file, "https://hooks.example.com/"+hookToken+"\n"))
	o := Options{LookupEnv: env(map[string]string{"SET": " value ", "EMPTY": ""})}

	v, err := o.Resolve("env:SET")
	require.NoError(t, err)
	require.Equal(t, "value", v)
	v, err = o.Resolve("file:" + file)
	require.NoError(t, err)
	require.Equal(t, "https://hooks.example.com/"+hookToken, v, "trailing newline trimmed")

	for _, ref := range []string{"env:UNSET", "env:EMPTY", "file:" + dir + "/missing"} {
		_, err := o.Resolve(ref)
		require.ErrorIs(t, err, ErrUnresolved, ref)
	}
	_, err = o.Resolve("s3cr3t")
	require.ErrorIs(t, err, ErrPermanent)
	require.NotContains(t, err.Error(), "s3cr3t")

	// An unset URL reference is unresolved: the destination is skipped.
	_, err = New(policy.Notification{Type: policy.NotifySlack, URL: "env:FLEETPATCH_SLACK_WEBHOOK"}, Options{LookupEnv: env(nil)})
	require.ErrorIs(t, err, ErrUnresolved)
	require.Contains(t, err.Error(), "FLEETPATCH_SLACK_WEBHOOK is not set")
	// A plain-http URL to another host is refused, without showing it.
	_, err = New(policy.Notification{Type: policy.NotifySlack, URL: "env:U"},
		Options{LookupEnv: env(map[string]string{"U": "http://hooks.example.com/" + hookToken})})
	require.ErrorIs(t, err, ErrPermanent)
	require.Contains(t, err.Error(), "the value of env:U is not an https URL")
	require.NotContains(t, err.Error(), "XXXXTOKENXXXX")
}

func writeFile(path, data string) error { return os.WriteFile(path, []byte(data), 0o600) }

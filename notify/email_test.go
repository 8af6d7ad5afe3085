package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/policy"
)

// dialTo connects every address to the test server, so that a sender may
// name a host that is not localhost (and must use STARTTLS).
func dialTo(addr string) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// readMessage parses a received message and decodes its subject and body.
func readMessage(t *testing.T, data string) (*mail.Message, string, string) {
	t.Helper()
	m, err := mail.ReadMessage(strings.NewReader(data))
	require.NoError(t, err)
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	require.NoError(t, err)
	require.Equal(t, "quoted-printable", m.Header.Get("Content-Transfer-Encoding"))
	body, err := io.ReadAll(quotedprintable.NewReader(m.Body))
	require.NoError(t, err)
	return m, subject, string(body)
}

// Over STARTTLS with AUTH PLAIN, the message reaches every recipient with
// its subject, body and delivery headers.
func TestEmailStartTLSAndAuth(t *testing.T) {
	const host = "mail.example.test"
	srv := startMailServer(t, host, "fleetpatch", "smtp-password")
	dir := t.TempDir()
	require.NoError(t, writeFile(dir+"/smtp", "smtp-password\n"))
	n := policy.Notification{Type: policy.NotifyEmail, To: []string{"ops@example.com", "On-call <oncall@example.com>"},
		SMTP: &policy.SMTP{Host: host, Port: 587, Username: "fleetpatch", Password: "file:" + dir + "/smtp", From: "Fleetpatch <fleetpatch@example.com>"}}
	s, err := New(n, Options{TLSConfig: &tls.Config{RootCAs: srv.Pool}, Dial: dialTo(srv.Addr)})
	require.NoError(t, err)
	e := reviewEvent()
	e.Title = "Review ready: prod-sensitive 2026-W48 — 12 patches"
	require.NoError(t, s.Send(context.Background(), e))

	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	got := msgs[0]
	require.True(t, got.TLS, "sent after STARTTLS")
	require.Equal(t, "fleetpatch", got.User)
	require.Equal(t, "fleetpatch@example.com", got.From)
	require.Equal(t, []string{"ops@example.com", "oncall@example.com"}, got.To)
	m, subject, body := readMessage(t, got.Data)
	require.Equal(t, e.Title, subject)
	require.Equal(t, "review-ready", m.Header.Get(HeaderEvent))
	require.Equal(t, e.DeliveryID(), m.Header.Get(HeaderDelivery))
	require.Contains(t, body, "Manifest digest: "+testDigest)
	require.Contains(t, body, "go run ./starter review --group prod-sensitive --cycle 2026-W48 --statement --approver YOU")
	require.NotContains(t, got.Data, "smtp-password")
}

// A host other than localhost must offer STARTTLS; nothing is sent in
// clear, and a retry cannot help.
func TestEmailRefusesWithoutStartTLS(t *testing.T) {
	srv := startMailServer(t, "", "", "")
	s := &Email{Host: "mail.example.test", Port: 25, From: "f@example.com", To: []string{"a@example.com"}, Dial: dialTo(srv.Addr)}
	err := s.Send(context.Background(), reviewEvent())
	require.ErrorIs(t, err, ErrPermanent)
	require.ErrorContains(t, err, "does not offer STARTTLS")
	require.Empty(t, srv.Messages())
}

// A certificate for another name does not verify: permanent.
func TestEmailVerifiesTheCertificate(t *testing.T) {
	srv := startMailServer(t, "other.example.test", "", "")
	s := &Email{Host: "mail.example.test", From: "f@example.com", To: []string{"a@example.com"},
		TLSConfig: &tls.Config{RootCAs: srv.Pool}, Dial: dialTo(srv.Addr)}
	err := s.Send(context.Background(), reviewEvent())
	require.ErrorIs(t, err, ErrPermanent)
	require.Empty(t, srv.Messages())
}

func TestEmailWrongPasswordIsPermanent(t *testing.T) {
	const host = "mail.example.test"
	srv := startMailServer(t, host, "fleetpatch", "right")
	s := &Email{Host: host, Username: "fleetpatch", Password: "wrong", From: "f@example.com", To: []string{"a@example.com"},
		TLSConfig: &tls.Config{RootCAs: srv.Pool}, Dial: dialTo(srv.Addr)}
	err := s.Send(context.Background(), reviewEvent())
	require.True(t, errors.Is(err, ErrPermanent), "%v", err)
	require.ErrorContains(t, err, "535")
	require.NotContains(t, err.Error(), "wrong")
	require.Empty(t, srv.Messages())
}

// On localhost, a relay without TLS is fine.
func TestEmailLocalhostWithoutTLS(t *testing.T) {
	srv := startMailServer(t, "", "", "")
	host, port, _ := net.SplitHostPort(srv.Addr)
	require.Equal(t, "127.0.0.1", host)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	s := &Email{Host: host, Port: p, From: "f@example.com", To: []string{"a@example.com"}}
	require.NoError(t, s.Send(context.Background(), reviewEvent()))
	require.Len(t, srv.Messages(), 1)
	require.False(t, srv.Messages()[0].TLS)
}

package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"time"
)

// Email sends the event over SMTP. Unless Host is localhost (or a
// loopback address), the connection must be upgraded with STARTTLS and the
// server's certificate verified for Host; a server that does not offer
// STARTTLS is refused. With a Username, it authenticates with AUTH PLAIN
// (RFC 4616), which net/smtp only sends over TLS or to localhost.
type Email struct {
	Host     string
	Port     int
	Username string
	// Password is a secret (resolved from its reference by New).
	Password string
	From     string
	To       []string
	// TLSConfig verifies the server (ServerName is set to Host); nil
	// means the system roots.
	TLSConfig *tls.Config
	// Dial connects; nil means a net.Dialer.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Now dates the message when the event has no time; nil is time.Now.
	Now func() time.Time
}

// defaultSMTPTimeout bounds a whole SMTP conversation without a context
// deadline.
const defaultSMTPTimeout = 60 * time.Second

// Send delivers the event to every recipient in one transaction.
func (m *Email) Send(ctx context.Context, e Event) error {
	now := time.Now
	if m.Now != nil {
		now = m.Now
	}
	from, err := addressOf(m.From)
	if err != nil {
		return err
	}
	rcpts := make([]string, len(m.To))
	for i, t := range m.To {
		if rcpts[i], err = addressOf(t); err != nil {
			return err
		}
	}
	msg, err := EmailMessage(e, m.From, m.To, now())
	if err != nil {
		return err
	}
	conn, err := m.dial(ctx)
	if err != nil {
		return fmt.Errorf("smtp %s: connect: %v", m.Host, err)
	}
	defer conn.Close()
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = now().Add(defaultSMTPTimeout)
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	if err := m.converse(conn, from, rcpts, msg); err != nil {
		return smtpError(m.Host, err)
	}
	return nil
}

func (m *Email) dial(ctx context.Context) (net.Conn, error) {
	addr := net.JoinHostPort(m.Host, strconv.Itoa(m.port()))
	if m.Dial != nil {
		return m.Dial(ctx, "tcp", addr)
	}
	d := net.Dialer{Timeout: 15 * time.Second}
	return d.DialContext(ctx, "tcp", addr)
}

func (m *Email) port() int {
	if m.Port == 0 {
		return 587
	}
	return m.Port
}

// converse runs the SMTP transaction: EHLO, STARTTLS, AUTH, MAIL, RCPT,
// DATA, QUIT.
func (m *Email) converse(conn net.Conn, from string, rcpts []string, msg []byte) error {
	c, err := smtp.NewClient(conn, m.Host)
	if err != nil {
		return err
	}
	defer c.Close()
	if !isLoopback(m.Host) {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("%w: the server does not offer STARTTLS (required for a host other than localhost)", ErrPermanent)
		}
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if m.TLSConfig != nil {
			cfg = m.TLSConfig.Clone()
		}
		cfg.ServerName = m.Host
		if err := c.StartTLS(cfg); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if m.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("%w: the server offers no AUTH, and a username is set", ErrPermanent)
		}
		if err := c.Auth(smtp.PlainAuth("", m.Username, m.Password, m.Host)); err != nil {
			return fmt.Errorf("auth: %w", err)
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("rcpt to %s: %w", r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	return c.Quit()
}

// smtpError classifies an SMTP failure: a 5xx reply or a certificate that
// does not verify is permanent; 4xx replies and connection problems are
// worth a retry.
func smtpError(host string, err error) error {
	var tp *textproto.Error
	var cv *tls.CertificateVerificationError
	switch {
	case errors.Is(err, ErrPermanent):
		return fmt.Errorf("smtp %s: %w", host, err)
	case errors.As(err, &tp) && tp.Code >= 500:
		return fmt.Errorf("%w: smtp %s: %v", ErrPermanent, host, err)
	case errors.As(err, &cv):
		return fmt.Errorf("%w: smtp %s: %v", ErrPermanent, host, err)
	}
	return fmt.Errorf("smtp %s: %v", host, err)
}

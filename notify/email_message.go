package notify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
)

// EmailMessage renders the event as an RFC 5322 message in plain text
// (quoted-printable UTF-8), with the event's kind and delivery ID as
// X-Fleetpatch-Event and X-Fleetpatch-Delivery headers and a Message-ID
// derived from the delivery ID, so that a resent event is recognisable.
func EmailMessage(e Event, from string, to []string, now time.Time) ([]byte, error) {
	fromAddr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("%w: from %q is not an e-mail address", ErrPermanent, from)
	}
	rcpts := make([]string, len(to))
	for i, t := range to {
		a, err := mail.ParseAddress(t)
		if err != nil {
			return nil, fmt.Errorf("%w: %q is not an e-mail address", ErrPermanent, t)
		}
		rcpts[i] = headerAddress(a)
	}
	date := e.Time
	if date.IsZero() {
		date = now
	}
	sum := sha256.Sum256([]byte(e.DeliveryID()))
	domain := "fleetpatch.invalid"
	if _, d, ok := strings.Cut(fromAddr.Address, "@"); ok {
		domain = d
	}
	var b bytes.Buffer
	header := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	header("From", headerAddress(fromAddr))
	header("To", strings.Join(rcpts, ", "))
	header("Subject", mime.QEncoding.Encode("utf-8", e.Subject()))
	header("Date", date.UTC().Format(time.RFC1123Z))
	header("Message-ID", "<"+hex.EncodeToString(sum[:16])+"@"+domain+">")
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=utf-8")
	header("Content-Transfer-Encoding", "quoted-printable")
	header("Auto-Submitted", "auto-generated")
	header(HeaderEvent, string(e.Kind))
	header(HeaderDelivery, e.DeliveryID())
	b.WriteString("\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(e.PlainText())); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// headerAddress is a bare address, or "Name <address>" with the name
// encoded as RFC 5322 needs.
func headerAddress(a *mail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	return a.String()
}

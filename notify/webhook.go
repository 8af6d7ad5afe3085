package notify

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Headers of a generic webhook delivery.
const (
	// HeaderSignature is "sha256=" and the hex HMAC-SHA256 of the body
	// under the destination's key, as GitHub signs its webhooks.
	HeaderSignature = "X-Fleetpatch-Signature"
	// HeaderEvent is the event's kind.
	HeaderEvent = "X-Fleetpatch-Event"
	// HeaderDelivery is the event's DeliveryID, the same on every retry.
	HeaderDelivery = "X-Fleetpatch-Delivery"
)

// Webhook posts the event as JSON, signed with HMAC-SHA256.
type Webhook struct {
	// URL is the receiver's URL; Key the HMAC key (both secrets).
	URL    string
	Key    []byte
	Client *http.Client
}

// Send posts the event's JSON with its signature, kind and delivery ID.
func (w *Webhook) Send(ctx context.Context, e Event) error {
	if len(w.Key) == 0 {
		return fmt.Errorf("%w: webhook: no signing key", ErrPermanent)
	}
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("%w: encode the event: %v", ErrPermanent, err)
	}
	resp, err := post(ctx, httpClient(w.Client), "webhook", w.URL, body, map[string]string{
		HeaderSignature: Sign(w.Key, body),
		HeaderEvent:     string(e.Kind),
		HeaderDelivery:  e.DeliveryID(),
	})
	if err != nil {
		return err
	}
	return resp.check("webhook")
}

// Sign is the X-Fleetpatch-Signature value of body under key:
// "sha256=<hex HMAC-SHA256>".
func Sign(key, body []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature (an X-Fleetpatch-Signature value) signs
// body under key, comparing in constant time. Receivers written in Go can
// use it as it is.
func Verify(key, body []byte, signature string) bool {
	got, ok := strings.CutPrefix(signature, "sha256=")
	if !ok {
		return false
	}
	mac, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return hmac.Equal(mac, m.Sum(nil))
}

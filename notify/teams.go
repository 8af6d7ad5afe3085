package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Teams posts an Adaptive Card to a Microsoft Teams incoming webhook or a
// Workflows ("When a Teams webhook request is received") webhook, in the
// envelope Microsoft documents in "Send Adaptive Cards using an Incoming
// Webhook" (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook):
// {"type": "message", "attachments": [{"contentType":
// "application/vnd.microsoft.card.adaptive", "contentUrl": null,
// "content": <AdaptiveCard>}]}. Workflows accept Adaptive Cards only, not
// the legacy MessageCard, so one format serves both.
type Teams struct {
	// URL is the webhook's URL (a secret: it carries the signature).
	URL    string
	Client *http.Client
}

// teamsMessage is the envelope of an incoming webhook's Adaptive Card.
type teamsMessage struct {
	Type        string            `json:"type"`
	Attachments []teamsAttachment `json:"attachments"`
}

type teamsAttachment struct {
	ContentType string       `json:"contentType"`
	ContentURL  *string      `json:"contentUrl"`
	Content     adaptiveCard `json:"content"`
}

type adaptiveCard struct {
	Schema  string         `json:"$schema"`
	Type    string         `json:"type"`
	Version string         `json:"version"`
	Body    []adaptiveElem `json:"body"`
}

// adaptiveElem is a TextBlock or a FactSet.
type adaptiveElem struct {
	Type     string         `json:"type"`
	Text     string         `json:"text,omitempty"`
	Wrap     bool           `json:"wrap,omitempty"`
	Weight   string         `json:"weight,omitempty"`
	Size     string         `json:"size,omitempty"`
	FontType string         `json:"fontType,omitempty"`
	Facts    []adaptiveFact `json:"facts,omitempty"`
}

type adaptiveFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// Send posts the event. Legacy incoming webhooks answer a throttled
// request with 200 and the text "Microsoft Teams endpoint returned HTTP
// error 429" (Microsoft's "Rate limiting for connectors"), retried here
// like a 429.
func (t *Teams) Send(ctx context.Context, e Event) error {
	body, err := json.Marshal(TeamsMessage(e))
	if err != nil {
		return fmt.Errorf("%w: encode the Teams card: %v", ErrPermanent, err)
	}
	resp, err := post(ctx, httpClient(t.Client), "teams webhook", t.URL, body, nil)
	if err != nil {
		return err
	}
	if strings.Contains(resp.body, "HTTP error 429") {
		return fmt.Errorf("teams webhook: throttled: %s", resp.body)
	}
	return resp.check("teams webhook")
}

// TeamsMessage renders the event as an Adaptive Card (version 1.2, which
// Teams renders on every client) in its webhook envelope.
func TeamsMessage(e Event) any {
	body := []adaptiveElem{{Type: "TextBlock", Text: e.Subject(), Weight: "Bolder", Size: "Medium", Wrap: true}}
	if e.Body != "" {
		body = append(body, adaptiveElem{Type: "TextBlock", Text: strings.TrimSpace(e.Body), Wrap: true})
	}
	var facts []adaptiveFact
	var commands []adaptiveElem
	for _, f := range e.Facts() {
		if f.Command {
			commands = append(commands, adaptiveElem{Type: "TextBlock", Text: f.Name + ":", Weight: "Bolder", Wrap: true},
				adaptiveElem{Type: "TextBlock", Text: f.Value, FontType: "Monospace", Wrap: true})
			continue
		}
		facts = append(facts, adaptiveFact{Title: f.Name, Value: f.Value})
	}
	body = append(body, adaptiveElem{Type: "FactSet", Facts: facts})
	body = append(body, commands...)
	return teamsMessage{Type: "message", Attachments: []teamsAttachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
		Content: adaptiveCard{Schema: "http://adaptivecards.io/schemas/adaptive-card.json",
			Type: "AdaptiveCard", Version: "1.2", Body: body},
	}}}
}

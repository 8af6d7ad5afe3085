package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Slack posts to a Slack incoming webhook: {"text": …, "blocks": […]}, the
// text being the notification's fallback and the blocks a header and one
// mrkdwn section (https://api.slack.com/messaging/webhooks).
type Slack struct {
	// URL is the webhook's URL (a secret: it carries the token).
	URL    string
	Client *http.Client
}

// slackMessage is the payload of an incoming webhook.
type slackMessage struct {
	Text   string       `json:"text"`
	Blocks []slackBlock `json:"blocks,omitempty"`
}

type slackBlock struct {
	Type string     `json:"type"`
	Text *slackText `json:"text,omitempty"`
}

type slackText struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// Slack's limits on a header's and a section's text.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
)

// Send posts the event.
func (s *Slack) Send(ctx context.Context, e Event) error {
	body, err := json.Marshal(SlackMessage(e))
	if err != nil {
		return fmt.Errorf("%w: encode the Slack message: %v", ErrPermanent, err)
	}
	resp, err := post(ctx, httpClient(s.Client), "slack webhook", s.URL, body, nil)
	if err != nil {
		return err
	}
	return resp.check("slack webhook")
}

// SlackMessage renders the event for Slack.
func SlackMessage(e Event) any {
	var b strings.Builder
	if e.Body != "" {
		b.WriteString(slackEscape(strings.TrimSpace(e.Body)))
		b.WriteString("\n\n")
	}
	for _, f := range e.Facts() {
		if f.Command {
			fmt.Fprintf(&b, "*%s:*\n```%s```\n", f.Name, slackEscape(f.Value))
			continue
		}
		fmt.Fprintf(&b, "*%s:* %s\n", f.Name, slackEscape(f.Value))
	}
	return slackMessage{
		Text: slackEscape(e.Subject()),
		Blocks: []slackBlock{
			{Type: "header", Text: &slackText{Type: "plain_text", Text: truncate(e.Subject(), slackHeaderMax)}},
			{Type: "section", Text: &slackText{Type: "mrkdwn", Text: truncate(b.String(), slackSectionMax)}},
		},
	}
}

// slackEscape escapes the three characters Slack's mrkdwn reserves
// (https://api.slack.com/reference/surfaces/formatting#escaping).
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// truncate cuts s to at most n characters, marking the cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

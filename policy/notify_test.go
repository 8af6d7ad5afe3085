package policy

import (
	"strings"
	"testing"
)

// withNotifications adds a group-level notifications list (YAML lines,
// indented under the key) to the base group file.
func withNotifications(lines ...string) string {
	const reports = "    reports: [{type: file, path: reports}]\n"
	return strings.Replace(groupFile, reports, reports+"    notifications:\n      "+strings.Join(lines, "\n      ")+"\n", 1)
}

func TestNotificationsValid(t *testing.T) {
	doc := withNotifications(
		"- {type: slack, url: 'env:FLEETPATCH_SLACK_WEBHOOK', events: [review-ready, halted]}",
		"- {type: teams, url: 'file:/run/secrets/teams-url'}",
		"- {type: webhook, url: 'env:HOOK_URL', secret: 'env:HOOK_KEY', events: [completed, failed]}",
		"- type: email",
		"  smtp: {host: smtp.example.com, port: 587, username: fleetpatch, password: 'file:/run/secrets/smtp', from: 'fleetpatch@example.com'}",
		"  to: [ops@example.com, 'On-call <oncall@example.com>']",
		"- {type: email, smtp: {host: localhost, port: 25, from: 'fleetpatch@example.com'}, to: [ops@example.com]}",
	)
	p, err := Parse("g.yaml", []byte(doc))
	if err != nil {
		t.Fatalf("valid notifications refused:\n%v", err)
	}
	ns := p.Groups["g"].Notifications
	if len(ns) != 5 || ns[3].SMTP.PortOrDefault() != 587 || ns[4].SMTP.Port != 25 || ns[2].Secret != "env:HOOK_KEY" {
		t.Fatalf("decoded %+v", ns)
	}
	if !ns[0].Wants("halted") || ns[0].Wants("completed") || !ns[1].Wants("window-closed") {
		t.Error("Wants: events filter or its default (all) is wrong")
	}
}

func TestNotificationsRefused(t *testing.T) {
	const literal = "https://hooks.slack.com/services/T000/B000/XXXXSECRET"
	cases := []struct {
		name  string
		lines []string
		want  []string
	}{
		{"literal url", []string{"- {type: slack, url: '" + literal + "'}"},
			[]string{"g.yaml:22: groups.g.notifications[0].url:", "must be a reference, env:NAME or file:/absolute/path"}},
		{"missing url", []string{"- {type: teams}"},
			[]string{"groups.g.notifications[0].url:", "is required"}},
		{"literal secret", []string{"- {type: webhook, url: 'env:U', secret: 's3cr3t-hmac-key'}"},
			[]string{"groups.g.notifications[0].secret:", "must be a reference"}},
		{"missing secret", []string{"- {type: webhook, url: 'env:U'}"},
			[]string{"groups.g.notifications[0].secret:", "is required", "HMAC"}},
		{"relative file", []string{"- {type: slack, url: 'file:secrets/slack'}"},
			[]string{"groups.g.notifications[0].url:", "absolute"}},
		{"bad env name", []string{"- {type: slack, url: 'env:SLACK-URL'}"},
			[]string{"groups.g.notifications[0].url:", "environment variable"}},
		{"unknown type", []string{"- {type: pager, url: 'env:U'}"},
			[]string{"groups.g.notifications[0].type:", `"pager" is not slack, teams, webhook or email`}},
		{"missing type", []string{"- {url: 'env:U'}"},
			[]string{"groups.g.notifications[0].type:", "is required"}},
		{"unknown event", []string{"- {type: slack, url: 'env:U', events: [review-ready, exploded]}"},
			[]string{"groups.g.notifications[0].events[1]:", `"exploded" is not an event`}},
		{"duplicate event", []string{"- {type: slack, url: 'env:U', events: [halted, halted]}"},
			[]string{"groups.g.notifications[0].events[1]:", "listed twice"}},
		{"secret on slack", []string{"- {type: slack, url: 'env:U', secret: 'env:K'}"},
			[]string{"groups.g.notifications[0].secret:", "is not used by type slack"}},
		{"email without smtp", []string{"- {type: email, to: [a@example.com]}"},
			[]string{"groups.g.notifications[0].smtp:", "is required for type email"}},
		{"email without to", []string{"- {type: email, smtp: {host: mail.example.com, from: f@example.com}}"},
			[]string{"groups.g.notifications[0].to:", "at least one recipient"}},
		{"email without from", []string{"- {type: email, smtp: {host: mail.example.com}, to: [a@example.com]}"},
			[]string{"groups.g.notifications[0].smtp.from:", "is required"}},
		{"email without host", []string{"- {type: email, smtp: {from: f@example.com}, to: [a@example.com]}"},
			[]string{"groups.g.notifications[0].smtp.host:", "is required"}},
		{"email bad recipient", []string{"- {type: email, smtp: {host: mail.example.com, from: f@example.com}, to: [a@example.com, nobody]}"},
			[]string{"groups.g.notifications[0].to[1]:", `"nobody" is not an e-mail address`}},
		{"email literal password", []string{"- {type: email, smtp: {host: mail.example.com, from: f@example.com, username: u, password: hunter2}, to: [a@example.com]}"},
			[]string{"groups.g.notifications[0].smtp.password:", "must be a reference"}},
		{"email username without password", []string{"- {type: email, smtp: {host: mail.example.com, from: f@example.com, username: u}, to: [a@example.com]}"},
			[]string{"groups.g.notifications[0].smtp.password:", "is required with a username"}},
		{"email port", []string{"- {type: email, smtp: {host: mail.example.com, port: 70000, from: f@example.com}, to: [a@example.com]}"},
			[]string{"groups.g.notifications[0].smtp.port:", "70000 is not a TCP port"}},
		{"email url", []string{"- {type: email, url: 'env:U', smtp: {host: mail.example.com, from: f@example.com}, to: [a@example.com]}"},
			[]string{"groups.g.notifications[0].url:", "is not used by type email"}},
		{"unknown key", []string{"- {type: slack, url: 'env:U', channel: '#ops'}"},
			[]string{"groups.g.notifications[0].channel:", `unknown key "channel"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lines := errorLines(t, "g.yaml", withNotifications(c.lines...))
			wantError(t, lines, c.want...)
			for _, l := range lines {
				for _, secret := range []string{"XXXXSECRET", "s3cr3t-hmac-key", "hunter2"} {
					if strings.Contains(l, secret) {
						t.Errorf("error repeats the literal secret: %s", l)
					}
				}
			}
		})
	}
}

func TestNotificationValidateAlone(t *testing.T) {
	if err := (Notification{Type: NotifySlack, URL: "env:SLACK"}).Validate(); err != nil {
		t.Fatalf("valid destination refused: %v", err)
	}
	err := Notification{Type: NotifyWebhook, URL: "http://example.com/hook", Secret: "env:K"}.Validate()
	if err == nil || !strings.Contains(err.Error(), "notification.url: must be a reference") {
		t.Fatalf("literal URL: got %v", err)
	}
}

func TestSnapshotCopiesNotifications(t *testing.T) {
	doc := withNotifications("- {type: email, smtp: {host: mail.example.com, from: f@example.com}, to: [a@example.com], events: [halted]}")
	p, err := Parse("g.yaml", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Snapshot("g")
	if err != nil {
		t.Fatal(err)
	}
	n := s.Group.Notifications[0]
	n.To[0], n.Events[0], n.SMTP.Host = "x@example.com", "completed", "evil.example.com"
	orig := p.Groups["g"].Notifications[0]
	if orig.To[0] != "a@example.com" || orig.Events[0] != "halted" || orig.SMTP.Host != "mail.example.com" {
		t.Errorf("snapshot shares memory with the policy: %+v %+v", orig, *orig.SMTP)
	}
}

package policy

import (
	"strings"
	"testing"
)

// withChangeTicket adds a group-level changeTicket (a YAML flow mapping)
// to the base group file, on line 21.
func withChangeTicket(ticket string) string {
	const reports = "    reports: [{type: file, path: reports}]\n"
	return strings.Replace(groupFile, reports, reports+"    changeTicket: "+ticket+"\n", 1)
}

func TestChangeTicketValid(t *testing.T) {
	for _, doc := range []string{
		"{type: servicenow, instance: 'https://example.service-now.com', username: 'env:SN_USER', password: 'env:SN_PASSWORD', assignmentGroup: 'Linux Ops', category: software}",
		"{type: servicenow, instance: 'https://example.service-now.com/', token: 'file:/run/secrets/sn-token', assignmentGroup: 287ebd7da9fe198100f92cc8d1d2154e}",
		"{type: servicenow, instance: 'http://127.0.0.1:8080', token: 'env:SN_TOKEN'}",
	} {
		p, err := Parse("g.yaml", []byte(withChangeTicket(doc)))
		if err != nil {
			t.Fatalf("valid change ticket refused: %s\n%v", doc, err)
		}
		if tk := p.Groups["g"].ChangeTicket; tk == nil || tk.Type != TicketServiceNow {
			t.Fatalf("decoded %+v", tk)
		}
	}
}

func TestChangeTicketRefused(t *testing.T) {
	const base = "type: servicenow, instance: 'https://example.service-now.com'"
	cases := []struct {
		name, ticket string
		want         []string
	}{
		{"literal password", "{" + base + ", username: 'env:U', password: 'hunter2'}",
			[]string{"g.yaml:21: groups.g.changeTicket.password:", "must be a reference"}},
		{"literal username", "{" + base + ", username: admin, password: 'env:P'}",
			[]string{"g.yaml:21: groups.g.changeTicket.username:", "must be a reference"}},
		{"literal token", "{" + base + ", token: 'eyJhbGciOi.s3cr3t-token'}",
			[]string{"groups.g.changeTicket.token:", "must be a reference"}},
		{"password and token", "{" + base + ", username: 'env:U', password: 'env:P', token: 'env:T'}",
			[]string{"groups.g.changeTicket.token:", "exactly one of"}},
		{"no credentials", "{" + base + "}",
			[]string{"groups.g.changeTicket:", "needs credentials"}},
		{"password without username", "{" + base + ", password: 'env:P'}",
			[]string{"groups.g.changeTicket.username:", "is required with password"}},
		{"username without password", "{" + base + ", username: 'env:U'}",
			[]string{"groups.g.changeTicket.password:", "is required with username"}},
		{"username with token", "{" + base + ", username: 'env:U', token: 'env:T'}",
			[]string{"groups.g.changeTicket.username:", "is not used with token"}},
		{"http instance", "{type: servicenow, instance: 'http://example.service-now.com', token: 'env:T'}",
			[]string{"groups.g.changeTicket.instance:", "must be https"}},
		{"instance with path", "{type: servicenow, instance: 'https://example.service-now.com/api/now', token: 'env:T'}",
			[]string{"groups.g.changeTicket.instance:", "base URL"}},
		{"instance with credentials", "{type: servicenow, instance: 'https://admin:pw@example.service-now.com', token: 'env:T'}",
			[]string{"groups.g.changeTicket.instance:", "must not carry credentials"}},
		{"instance not a URL", "{type: servicenow, instance: example.service-now.com, token: 'env:T'}",
			[]string{"groups.g.changeTicket.instance:", "is not a URL"}},
		{"missing instance", "{type: servicenow, token: 'env:T'}",
			[]string{"groups.g.changeTicket.instance:", "is required"}},
		{"missing type", "{instance: 'https://example.service-now.com', token: 'env:T'}",
			[]string{"groups.g.changeTicket.type:", "is required"}},
		{"unknown type", "{type: jira, instance: 'https://example.atlassian.net', token: 'env:T'}",
			[]string{"groups.g.changeTicket.type:", `"jira" is not servicenow`}},
		{"assignment group query", "{" + base + ", token: 'env:T', assignmentGroup: 'ops^ORactive=true'}",
			[]string{"groups.g.changeTicket.assignmentGroup:", "'^'"}},
		{"category", "{" + base + ", token: 'env:T', category: 'soft;ware'}",
			[]string{"groups.g.changeTicket.category:", "category value"}},
		{"unknown key", "{" + base + ", token: 'env:T', priority: 1}",
			[]string{"groups.g.changeTicket.priority:", `unknown key "priority"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lines := errorLines(t, "g.yaml", withChangeTicket(c.ticket))
			wantError(t, lines, c.want...)
			for _, l := range lines {
				for _, secret := range []string{"hunter2", "s3cr3t-token"} {
					if strings.Contains(l, secret) {
						t.Errorf("error repeats the literal secret: %s", l)
					}
				}
			}
		})
	}
}

func TestChangeTicketScanOnly(t *testing.T) {
	doc := withChangeTicket("{type: servicenow, instance: 'https://example.service-now.com', token: 'env:T'}")
	doc = strings.Replace(doc, "mode: approval", "mode: scan-only", 1)
	wantError(t, errorLines(t, "g.yaml", doc), "groups.g.changeTicket:", "only for groups that install")
}

func TestChangeTicketValidateAlone(t *testing.T) {
	ok := ChangeTicket{Type: TicketServiceNow, Instance: "https://example.service-now.com", Token: "env:SN_TOKEN"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid ticket refused: %v", err)
	}
	bad := ok
	bad.Token = "plain-token"
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "changeTicket.token: must be a reference") {
		t.Fatalf("literal token: got %v", err)
	}
}

func TestSnapshotCopiesChangeTicket(t *testing.T) {
	p, err := Parse("g.yaml", []byte(withChangeTicket("{type: servicenow, instance: 'https://example.service-now.com', token: 'env:T'}")))
	if err != nil {
		t.Fatal(err)
	}
	s, err := p.Snapshot("g")
	if err != nil {
		t.Fatal(err)
	}
	s.Group.ChangeTicket.Instance = "https://evil.example.com"
	if got := p.Groups["g"].ChangeTicket.Instance; got != "https://example.service-now.com" {
		t.Errorf("snapshot shares memory with the policy: %s", got)
	}
}

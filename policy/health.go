package policy

import (
	"fmt"
	"net"
	"net/url"
	"time"
)

// Week is how long a cycle may install: from its start until the group's
// next cycle starts. An approval timeout plus an install window must fit.
const Week = 7 * 24 * time.Hour

// maxGateTimeout bounds one health gate's check.
const maxGateTimeout = time.Hour

// String names the gate in halts and reports, e.g. "http https://app/healthz".
func (g HealthGate) String() string {
	switch g.Type {
	case GateHTTP:
		return "http " + g.URL
	case GateTCP:
		return "tcp " + g.Address
	case GateAlarm:
		return "alarm " + g.Name
	case GateCommand:
		return "command"
	}
	return g.Type
}

func validateGate(c *collector, path string, g HealthGate) {
	need := func(field, value string) {
		if value == "" {
			c.add(path+"."+field, "is required for %s gates", g.Type)
		}
	}
	switch g.Type {
	case GateAgent:
	case GateHTTP:
		need("url", g.URL)
		if u, err := url.Parse(g.URL); g.URL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			c.add(path+".url", "%q is not an http(s) URL", g.URL)
		}
		if g.ExpectStatus != 0 && (g.ExpectStatus < 100 || g.ExpectStatus > 599) {
			c.add(path+".expectStatus", "%d is not an HTTP status", g.ExpectStatus)
		}
	case GateTCP:
		need("address", g.Address)
		if _, _, err := net.SplitHostPort(g.Address); g.Address != "" && err != nil {
			c.add(path+".address", "%q is not host:port", g.Address)
		}
	case GateCommand:
		if g.Linux == "" && g.Windows == "" {
			c.add(path, "a command gate needs a linux or a windows script")
		}
	case GateAlarm:
		need("name", g.Name)
		switch g.Cloud {
		case "aws":
			need("account", g.Account)
			need("region", g.Region)
		case "azure":
		default:
			c.add(path+".cloud", "%q is not aws or azure", g.Cloud)
		}
	case "":
		c.add(path+".type", "is required (agent, http, tcp, command or alarm)")
	default:
		c.add(path+".type", "%q is not agent, http, tcp, command or alarm", g.Type)
	}
	if g.Timeout.D() < 0 || g.Timeout.D() > maxGateTimeout {
		c.add(path+".timeout", "must be between 0 (default) and %s", maxGateTimeout)
	}
}

// validateRolloutTiming checks the bake, the gates, and that an approval
// group's timeout plus its install window fit in the cycle's week.
func (p *Policy) validateRolloutTiming(c *collector, path string, g *Group) {
	if g.Rollout.Bake.D() > 24*time.Hour {
		c.add(path+".rollout.bake", "must be at most 24h")
	}
	for i, gate := range g.Rollout.HealthGates {
		validateGate(c, fmt.Sprintf("%s.rollout.healthGates[%d]", path, i), gate)
	}
	w := p.Windows[g.Windows.Install]
	if g.Approval == nil || w == nil {
		return
	}
	if total := g.Approval.Timeout.D() + w.Duration.D(); total > Week {
		c.add(path+".approval.timeout", "%s plus the install window's %s is more than a week: the cycle could not install before the next one starts",
			g.Approval.Timeout.D(), w.Duration.D())
	}
}

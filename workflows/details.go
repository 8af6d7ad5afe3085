package workflows

import (
	"fmt"
	"strings"

	"github.com/fleetpatch/fleetpatch/approval"
)

// details renders the short markdown summary that the Web UI shows for a
// running cycle.
func details(s CycleStatus) string {
	var b strings.Builder
	name := s.Group + " / " + s.Cycle
	if s.Retry > 0 {
		name += fmt.Sprintf(" / retry %d", s.Retry)
	}
	fmt.Fprintf(&b, "### %s\n\n**Phase:** %s", name, s.Phase)
	if s.Status != "" {
		fmt.Fprintf(&b, " — **%s**", s.Status)
	}
	if s.Paused {
		b.WriteString(" (paused)")
	}
	c := s.Counts
	fmt.Fprintf(&b, "\n\n| discovered | unreachable | scanned | need patches | patched | pending reboot | live-patched | failed |\n|---|---|---|---|---|---|---|---|\n| %d | %d | %d | %d | %d | %d | %d | %d |\n",
		c.Discovered, c.Unreachable, c.Scanned, c.NeedPatches, c.Patched, c.PendingReboot, c.LivePatched, c.Failed)
	if s.Wave.Total > 0 {
		fmt.Fprintf(&b, "\nWave %d of %d\n", s.Wave.Current, s.Wave.Total)
	}
	if s.Sign != nil && s.Phase == PhaseAwaitingApproval {
		writeSignHelp(&b, s)
	}
	if s.LastRefusal != "" && s.Approval == nil {
		fmt.Fprintf(&b, "\n**Refused:** %s\n", s.LastRefusal)
	}
	if s.Waiting != "" {
		fmt.Fprintf(&b, "\n**Waiting:** %s\n", s.Waiting)
	}
	if s.Reason != "" {
		fmt.Fprintf(&b, "\n**Why:** %s\n", s.Reason)
	}
	if s.Failure != "" {
		fmt.Fprintf(&b, "\n**Failed:** %s\n", s.Failure)
	}
	if s.Approval != nil {
		fmt.Fprintf(&b, "\n%s by %s at %s\n", s.Approval.Decision, s.Approval.By, s.Approval.At.Format("2006-01-02 15:04 MST"))
	}
	if s.Report != nil {
		fmt.Fprintf(&b, "\nReport: `%s`\n", s.Report.Dir)
	}
	return b.String()
}

// writeSignHelp tells an approver, in the Web UI, what to sign and send.
func writeSignHelp(b *strings.Builder, s CycleStatus) {
	sr := s.Sign
	if s.Review != nil {
		fmt.Fprintf(b, "\nAwaiting approval of %d patches on %d instances", len(s.Review.Patches), s.Review.Instances)
	} else {
		b.WriteString("\nAwaiting a new approval")
	}
	fmt.Fprintf(b, " (%d of %d approvals). Digest `%s`.\n", len(sr.Approved), sr.Required, sr.Digest)
	if sr.Why != "" {
		fmt.Fprintf(b, "\n%s.\n", sr.Why)
	}
	st := approval.Statement{Namespace: sr.Namespace, Workflow: sr.Workflow, Run: sr.Run, Decision: approval.Approve,
		Approver: "<your principal>", Digest: sr.Digest, Start: sr.Start}
	text := strings.Replace(string(st.Canonical()), "expires: 0001-01-01T00:00:00Z", "expires: <UTC time, e.g. 2026-12-06T18:00:00Z>", 1)
	fmt.Fprintf(b, "\nSign this statement (fill in approver and expires; `go run ./starter review --statement` prints it filled in) with "+
		"`ssh-keygen -Y sign -n %s -f KEY statement.txt`, then send the `approve` update (or signal) with "+
		"`{\"statement\": \"<the statement>\", \"signature\": \"<statement.txt.sig>\"}` (`go run ./starter approve --key KEY --print` prints it):\n\n```\n%s```\n",
		approval.Namespace, text)
}

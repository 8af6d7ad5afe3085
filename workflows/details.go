package workflows

import (
	"fmt"
	"strings"
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
	fmt.Fprintf(&b, "\n\n| discovered | unreachable | scanned | need patches | patched | pending reboot | failed |\n|---|---|---|---|---|---|---|\n| %d | %d | %d | %d | %d | %d | %d |\n",
		c.Discovered, c.Unreachable, c.Scanned, c.NeedPatches, c.Patched, c.PendingReboot, c.Failed)
	if s.Wave.Total > 0 {
		fmt.Fprintf(&b, "\nWave %d of %d\n", s.Wave.Current, s.Wave.Total)
	}
	if s.Review != nil && s.Phase == PhaseAwaitingApproval {
		fmt.Fprintf(&b, "\nAwaiting approval of %d patches on %d instances. Digest `%s`.\nSend the `approve` update (or signal) with `{\"approver\":\"...\",\"digest\":\"%s\"}`.\n",
			len(s.Review.Patches), s.Review.Instances, s.Review.Digest, s.Review.Digest)
	}
	if s.LastRefusal != "" && s.Approval == nil {
		fmt.Fprintf(&b, "\n**Refused:** %s\n", s.LastRefusal)
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

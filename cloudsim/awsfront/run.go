package awsfront

import (
	"context"
	"fmt"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

// runScan runs Operation=Scan on some of the command's instances: the
// fleet scans them and each instance's compliance becomes what it misses,
// as far as a BaselineOverride approves it (reportedByScan). A
// BaselineOverride must be a readable list of baselines, or the document
// fails.
func (s *Server) runScan(ctx context.Context, cmd *command, ids []string) error {
	override := cmd.param("BaselineOverride")
	var baselines map[fleet.OSFamily]policy.Baseline
	if override != "" {
		data, err := s.objectByURL(override)
		if err == nil {
			baselines, err = overrideBaselines(data)
		}
		if err != nil {
			return fmt.Errorf("failed to read the BaselineOverride: %v", err)
		}
	}
	res, err := s.fleet.Scan(ctx, ids, nil)
	if err != nil {
		return err
	}
	defs := map[string]fleet.Patch{}
	for _, p := range res.Catalog {
		defs[p.ID] = p
	}
	for _, sc := range res.Instances {
		if sc.Error != "" {
			st, d := deliveryStatus(sc.Error)
			s.finishOne(cmd, sc.InstanceID, st, d, sc.Error)
			continue
		}
		c := &compliance{operation: "Scan", start: cmd.requested, end: sc.ScannedAt, snapshotID: cmd.param("SnapshotId"),
			baselineOverride: override != "", reboot: cmd.param("RebootOption")}
		var out strings.Builder
		fmt.Fprintf(&out, "Patch operation Scan on %s (snapshot %s)\n", sc.InstanceID, orNone(c.snapshotID))
		for _, ps := range sc.Patches {
			if !reportedByScan(baselines, defs[ps.PatchID], ps.State, ps.InstalledVersion, s.fleet.Now()) {
				continue
			}
			c.records = append(c.records, patchRecord{patch: defs[ps.PatchID], state: ps.State, at: sc.ScannedAt})
			fmt.Fprintf(&out, "%s: %s\n", ps.State, ps.PatchID)
		}
		fmt.Fprintf(&out, "Scan found %d non-compliant patches.", len(c.records))
		s.setCompliance(sc.InstanceID, c)
		s.finishOne(cmd, sc.InstanceID, statusSuccess, statusSuccess, out.String())
	}
	return nil
}

// runInstall runs Operation=Install on some of the command's instances:
// with an InstallOverrideList, each instance installs the listed patches
// that apply to it (a pinned version or any version of a package);
// without one, every missing patch. An install that does not finish
// within Options.ExecutionTimeout of simulated time is stopped and times
// out. When the command is cancelled, the instances that finished keep
// their outcome and the others end Cancelled, as on AWS.
func (s *Server) runInstall(ctx context.Context, cmd *command, ids []string) error {
	var list *overrideList
	if u := cmd.param("InstallOverrideList"); u != "" {
		data, err := s.objectByURL(u)
		if err != nil {
			return fmt.Errorf("failed to download the InstallOverrideList: %v", err)
		}
		l, err := parseInstallOverrideList(data)
		if err != nil {
			return err
		}
		list = &l
	}
	reboot := fleet.RebootOption(cmd.param("RebootOption"))
	if reboot == "" {
		reboot = fleet.RebootIfNeeded
	}
	req := fleet.InstallRequest{CycleID: cmd.param("SnapshotId"), Reboot: reboot, Deadline: s.fleet.Now().Add(s.opts.ExecutionTimeout)}
	for _, id := range ids {
		req.Instances = append(req.Instances, fleet.InstanceInstallRequest{InstanceID: id, PatchIDs: s.selectPatches(id, list)})
	}
	res, err := s.fleet.Install(ctx, req, nil)
	for _, r := range res.Instances {
		if err == nil || !strings.HasPrefix(r.Error, "install cancelled before it finished") {
			s.reportInstall(cmd, r)
		}
	}
	return err
}

// selectPatches returns the patches an install puts on the instance: the
// listed ones that it misses, pinned by version or by package name.
func (s *Server) selectPatches(id string, list *overrideList) []string {
	pending, _ := s.fleet.PendingPatches(id)
	var out []string
	for _, p := range pending {
		if list == nil || list.ids[p.ID] || (p.KB != "" && list.ids[p.KB]) || list.names[p.Name] {
			out = append(out, p.ID)
		}
	}
	if list != nil {
		// Listed patches already installed are reported as Installed.
		for pid := range list.ids {
			if p, ok := s.fleet.Patch(pid); ok && !contains(out, pid) && s.appliesTo(id, p) {
				out = append(out, pid)
			}
		}
	}
	return out
}

// appliesTo reports whether a patch is of the instance's OS release.
func (s *Server) appliesTo(id string, p fleet.Patch) bool {
	in, ok := s.fleet.Instance(id)
	return ok && in.OS == p.OS
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// reportInstall ends an instance's invocation with the install's outcome
// and records its compliance.
func (s *Server) reportInstall(cmd *command, r fleet.InstanceInstall) {
	var out strings.Builder
	fmt.Fprintf(&out, "Patch operation Install on %s (snapshot %s)\n", r.InstanceID, orNone(cmd.param("SnapshotId")))
	if r.Error != "" && len(r.Changes) == 0 {
		st, d := deliveryStatus(r.Error)
		s.finishOne(cmd, r.InstanceID, st, d, out.String()+r.Error)
		return
	}
	if in, ok := s.fleet.Instance(r.InstanceID); ok && r.Error == "" && strings.HasPrefix(in.Unreachable, "SSM Agent ConnectionLost") {
		// The agent went offline while the command ran: its result never
		// came back, so the invocation times out and no compliance is
		// reported.
		s.finishOne(cmd, r.InstanceID, statusTimedOut, detailExecTimedOut,
			out.String()+"the agent stopped reporting during the command ("+in.Unreachable+"); its outcome is unknown")
		return
	}
	now := s.fleet.Now()
	c := &compliance{operation: "Install", start: cmd.requested, end: now, snapshotID: cmd.param("SnapshotId"),
		installOverrideList: cmd.param("InstallOverrideList"), reboot: cmd.param("RebootOption")}
	failed := 0
	seen := map[string]bool{}
	for _, ch := range r.Changes {
		if ch.State == fleet.StateNotApplicable {
			continue
		}
		p, _ := s.fleet.Patch(ch.PatchID)
		seen[ch.PatchID] = true
		c.records = append(c.records, patchRecord{patch: p, state: ch.State, at: now})
		switch ch.State {
		case fleet.StateFailed:
			failed++
			fmt.Fprintf(&out, "Failed: %s: %s\n", ch.PatchID, ch.Error)
		default:
			fmt.Fprintf(&out, "%s: %s %s -> %s\n", ch.State, ch.Name, ch.FromVersion, ch.ToVersion)
		}
	}
	pending, _ := s.fleet.PendingPatches(r.InstanceID)
	for _, p := range pending {
		if !seen[p.ID] {
			c.records = append(c.records, patchRecord{patch: p.Patch, state: fleet.StateMissing, at: now})
		}
	}
	s.setCompliance(r.InstanceID, c)
	if r.Rebooted {
		out.WriteString("Rebooting: installed updates need a reboot (RebootOption RebootIfNeeded).\n")
	} else if r.RebootRequired {
		out.WriteString("A reboot is needed to finish the install (RebootOption NoReboot).\n")
	}
	switch {
	case r.Error != "":
		st, d := deliveryStatus(r.Error)
		s.finishOne(cmd, r.InstanceID, st, d, out.String()+r.Error)
	case failed > 0:
		fmt.Fprintf(&out, "%d patches failed to install.", failed)
		s.finishOne(cmd, r.InstanceID, statusFailed, statusFailed, out.String())
	default:
		s.finishOne(cmd, r.InstanceID, statusSuccess, statusSuccess, out.String())
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

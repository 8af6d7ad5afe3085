package aws

import (
	"context"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.LivePatchDeferrer = (*Provider)(nil)

// Timeouts of the two commands that follow an install deferring
// live-patched reboots: the check only reads; the reboot includes the
// node's restart and the script's second run.
const (
	livePatchCheckTimeout = 5 * time.Minute
	rebootCommandTimeout  = 30 * time.Minute
)

// DefersLivePatchedReboots reports that AWS nodes honour
// InstallRequest.DeferLivePatchedReboots (fleet.LivePatchDeferrer).
func (p *Provider) DefersLivePatchedReboots(string) bool { return true }

// defersLivePatched reports whether the install defers live-patched
// reboots: only with RebootIfNeeded.
func defersLivePatched(req fleet.InstallRequest) bool {
	return req.DeferLivePatchedReboots && req.Reboot == fleet.RebootIfNeeded
}

// rebootUnlessLivePatched finishes an install that ran with NoReboot in
// place of RebootIfNeeded. AWS-RunPatchBaseline's RebootIfNeeded reboots
// whenever it installed anything, live patches or not
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-about-aws-runpatchbaseline.html),
// so the nodes left waiting for a reboot run fleet.LivePatchCheckScript
// (AWS-RunShellScript; Windows nodes have none and reboot), and those whose
// pending reboot live patches cover are reported RebootDeferred with the
// CVEs; the others run the reboot-if-required script, whose exit code 194
// (3010 on Windows) has the SSM Agent reboot them. Both scripts are safe to
// send again on a retry: the check reads, and a node already rebooted has
// nothing left to reboot for. A node whose reboot command did not complete
// stays pending reboot, and the verification reports it so.
func (p *Provider) rebootUnlessLivePatched(ctx context.Context, res []fleet.InstanceInstall) error {
	at := map[string]int{}
	var pending []string
	for i, r := range res {
		if r.RebootRequired && r.Error == "" {
			pending = append(pending, r.InstanceID)
			at[r.InstanceID] = i
		}
	}
	if len(pending) == 0 {
		return nil
	}
	checks, err := p.RunCommand(ctx, fleet.CommandRequest{InstanceIDs: pending, Linux: fleet.LivePatchCheckScript,
		Timeout: livePatchCheckTimeout, Name: "fleetpatch-livepatch-check"}, nil)
	if err != nil {
		return err
	}
	var reboot []string
	for _, c := range checks {
		if cves, covered := fleet.ParseLivePatchCheck(c.Output); covered && c.Error == "" && c.ExitCode == 0 {
			r := &res[at[c.InstanceID]]
			r.RebootDeferred, r.LivePatchedCVEs = true, cves
			continue
		}
		reboot = append(reboot, c.InstanceID)
	}
	if len(reboot) == 0 {
		return nil
	}
	done, err := p.RunCommand(ctx, fleet.CommandRequest{InstanceIDs: reboot, Linux: fleet.RebootIfRequiredLinux,
		Windows: fleet.RebootIfRequiredWindows, Timeout: rebootCommandTimeout, Name: "fleetpatch-reboot"}, nil)
	if err != nil {
		return err
	}
	for _, d := range done {
		res[at[d.InstanceID]].Rebooted = d.Error == "" && d.ExitCode == 0
	}
	return nil
}

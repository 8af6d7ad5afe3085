package aws

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"gopkg.in/yaml.v3"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Install installs the requested patches on at most 50 instances: per
// account and region, the patches requested there are written to S3 as an
// InstallOverrideList and one AWS-RunPatchBaseline Operation=Install runs
// with it, the cycle's SnapshotId and the RebootOption. AWS installs, on
// each node, the listed patches that apply to it; the activities plan each
// instance's list as the manifest's patches that it misses, so the union
// adds nothing that an instance was not planned to get. Versions come from
// ListInventoryEntries before and after, states from
// DescribeInstancePatches.
//
// A retry of the call (the same cycle, instances and call key; see
// WithCallKey) sends no second command: it waits for the first one if it
// still runs and reads its results if it finished, and sends a new one
// only to the instances where the first ended Cancelled or TimedOut.
//
// With DeferLivePatchedReboots and RebootIfNeeded, the command runs with
// NoReboot and the nodes live patches do not cover are rebooted after it
// (see rebootUnlessLivePatched).
//
// The window: a command is sent only before the request's LastStart (or,
// without one, its Deadline), with a delivery timeout that ends there;
// the wait ends at the Deadline, where a command still running is
// cancelled and its unfinished instances are reported stopped at the
// window's end. Past the cutoff a retry still resumes and watches the
// call's own command, but sends nothing: the instances of an account and
// region without one report the window closed, and when no part of the
// batch had a command the call fails with fleet.ErrWindowClosed.
func (p *Provider) Install(ctx context.Context, req fleet.InstallRequest, progress fleet.Progress) (fleet.InstallResult, error) {
	if len(req.Instances) > fleet.MaxBatch {
		return fleet.InstallResult{}, fmt.Errorf("aws: install on %d instances: %w", len(req.Instances), fleet.ErrTooManyInstances)
	}
	ids := make([]string, len(req.Instances))
	wanted := map[string][]string{}
	for i, r := range req.Instances {
		ids[i] = r.InstanceID
		wanted[r.InstanceID] = r.PatchIDs
	}
	defs := map[string]fleet.Patch{}
	for _, d := range req.Patches {
		defs[d.ID] = d
	}
	groups, missing, err := p.locate(ctx, ids)
	if err != nil {
		return fleet.InstallResult{}, err
	}
	pc := &progressCounter{total: len(ids), report: progress}
	pc.add(len(missing))
	var mu sync.Mutex
	results := map[string]fleet.InstanceInstall{}
	var closed []error
	err = eachGroup(groups, func(g group) error {
		res, err := p.installGroup(ctx, g, req, wanted, defs, pc)
		if errors.Is(err, fleet.ErrWindowClosed) {
			res = make([]fleet.InstanceInstall, len(g.ids))
			for i, id := range g.ids {
				res[i] = fleet.InstanceInstall{InstanceID: id, Error: err.Error(), NotStarted: true}
			}
			pc.add(len(g.ids))
		} else if err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			closed = append(closed, err)
		}
		for _, r := range res {
			results[r.InstanceID] = r
		}
		return nil
	})
	if err != nil {
		return fleet.InstallResult{}, err
	}
	if len(groups) > 0 && len(closed) == len(groups) {
		return fleet.InstallResult{}, closed[0]
	}
	out := fleet.InstallResult{Instances: make([]fleet.InstanceInstall, 0, len(ids))}
	for _, id := range ids {
		r, ok := results[id]
		if !ok {
			r = fleet.InstanceInstall{InstanceID: id, Error: missing[id]}
		}
		out.Instances = append(out.Instances, r)
	}
	if defersLivePatched(req) {
		if err := p.rebootUnlessLivePatched(ctx, out.Instances); err != nil {
			return fleet.InstallResult{}, err
		}
	}
	return out, nil
}

// overrideYAML writes the documented InstallOverrideList: a "patches" list
// with, for Linux, id name.arch and title name.arch:version (pinning the
// version), and for Windows, id KB and title the update's title
// (https://docs.aws.amazon.com/systems-manager/latest/userguide/patch-manager-aws-runpatchbaseline.html,
// parameter InstallOverrideList).
func overrideYAML(patchIDs []string, defs map[string]fleet.Patch) ([]byte, error) {
	type entry struct {
		ID    string `yaml:"id"`
		Title string `yaml:"title,omitempty"`
	}
	var doc struct {
		Patches []entry `yaml:"patches"`
	}
	for _, id := range patchIDs {
		d, ok := defs[id]
		switch {
		case !ok:
			return nil, fmt.Errorf("aws: install request names patch %s without its definition", id)
		case d.OS.IsWindows() || d.KB != "":
			doc.Patches = append(doc.Patches, entry{ID: d.KB, Title: d.Name})
		default:
			arch := d.Arch
			if arch == "" {
				arch = "*"
			}
			kb := d.Name + "." + arch
			doc.Patches = append(doc.Patches, entry{ID: kb, Title: kb + ":" + d.Version})
		}
	}
	return yaml.Marshal(doc)
}

// installGroup installs on the nodes of one account and region. Past the
// window's cutoff it fails with fleet.ErrWindowClosed, before it uploads
// or reads anything, unless an earlier attempt of the call sent the
// command (see started).
func (p *Provider) installGroup(ctx context.Context, g group, req fleet.InstallRequest, wanted map[string][]string, defs map[string]fleet.Patch, pc *progressCounter) ([]fleet.InstanceInstall, error) {
	out := make([]fleet.InstanceInstall, len(g.ids))
	for i, id := range g.ids {
		out[i].InstanceID = id
	}
	if err := g.credentials(ctx); err != nil {
		if errors.Is(err, fleet.ErrPermanent) {
			return nil, err
		}
		for i := range out {
			out[i].Error = err.Error()
		}
		pc.add(len(g.ids))
		return out, nil
	}
	reboot := req.Reboot
	if reboot == "" || defersLivePatched(req) {
		// Deferring live-patched reboots: install without rebooting, then
		// reboot what live patches do not cover (rebootUnlessLivePatched).
		reboot = fleet.NoReboot
	}
	b := batchCommand{
		params:        map[string][]string{"Operation": {"Install"}, "SnapshotId": {SnapshotID(req.CycleID)}, "RebootOption": {string(reboot)}},
		cycle:         req.CycleID,
		key:           callKey(ctx),
		reuseFinished: true,
		deadline:      req.Deadline,
		cutoff:        cutoffOf(req),
	}
	cmds, err := p.recentCommands(ctx, g)
	if err != nil {
		return nil, err
	}
	if _, ok := deliveryTimeout(b.cutoff, time.Now()); !ok && !started(cmds, g.ids, b) {
		return nil, windowClosed(g, b.cutoff)
	}
	union := map[string]bool{}
	for _, id := range g.ids {
		for _, pid := range wanted[id] {
			union[pid] = true
		}
	}
	list := make([]string, 0, len(union))
	for pid := range union {
		list = append(list, pid)
	}
	sort.Strings(list)
	data, err := overrideYAML(list, defs)
	if err != nil {
		return nil, err
	}
	u, err := p.upload(ctx, "install-override", safeName(req.CycleID)+"-"+g.account+"-"+g.region, data, "application/x-yaml")
	if err != nil {
		return nil, err
	}
	b.params["InstallOverrideList"] = []string{u}
	before := make([]map[string]string, len(g.ids))
	if err := p.each(g.ids, func(i int, id string) (err error) { before[i], err = p.inventory(ctx, g, id); return }); err != nil {
		return nil, err
	}
	outcomes, err := p.resume(ctx, g, b, cmds, pc)
	if err != nil {
		return nil, err
	}
	after := make([]map[string]string, len(g.ids))
	states := make([]map[string]fleet.PatchState, len(g.ids))
	err = p.each(g.ids, func(i int, id string) error {
		if !outcomes[id].ran() {
			return nil
		}
		refs, err := p.instancePatches(ctx, g, id)
		if err != nil {
			return err
		}
		states[i] = map[string]fleet.PatchState{}
		for _, r := range refs {
			states[i][r.id] = fleet.PatchState(r.data.State)
		}
		after[i], err = p.inventory(ctx, g, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	for i, id := range g.ids {
		o := outcomes[id]
		if !o.ran() {
			out[i].Error = "install " + o.describe()
			// SSM could not deliver the command: the agent is offline.
			out[i].Unreachable = o.details == "DeliveryTimedOut" || o.status == types.CommandInvocationStatus("Undeliverable")
			continue
		}
		if o.status != "Success" && o.status != "Failed" {
			out[i].Error = "install " + o.describe()
		}
		for _, pid := range wanted[id] {
			out[i].Changes = append(out[i].Changes, change(defs[pid], states[i], before[i], after[i], o))
		}
		for _, c := range out[i].Changes {
			out[i].RebootRequired = out[i].RebootRequired || c.State == fleet.StateInstalledPendingReboot
		}
		out[i].Rebooted = out[i].RebootRequired && reboot == fleet.RebootIfNeeded && out[i].Error == ""
	}
	return out, nil
}

// change is the outcome of one patch on one node.
func change(d fleet.Patch, states map[string]fleet.PatchState, before, after map[string]string, o outcome) fleet.PackageChange {
	c := fleet.PackageChange{PatchID: d.ID, Name: d.Name, FromVersion: before[d.Name], ToVersion: after[d.Name]}
	st, listed := states[d.ID]
	switch {
	case listed:
		c.State = st
	case d.Version != "" && after[d.Name] == d.Version:
		c.State = fleet.StateInstalled
	case d.Version != "" && after[d.Name] == "":
		c.State = fleet.StateNotApplicable
	default:
		c.State = fleet.StateMissing
	}
	switch c.State {
	case fleet.StateFailed:
		c.Error = failureLine(o.output, d.ID)
	case fleet.StateMissing:
		c.Error = "still missing after the install"
		if o.status != "Success" {
			c.Error += ": " + o.describe()
		}
	}
	return c
}

// failureLine returns the document output's line about a patch, or the
// whole output.
func failureLine(output, patchID string) string {
	for _, l := range strings.Split(output, "\n") {
		if strings.Contains(l, patchID) {
			return strings.TrimSpace(l)
		}
	}
	return strings.TrimSpace(output)
}

package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// HookInput asks to run one stage of the group's hooks on a batch.
type HookInput struct {
	BatchInput
	Stage string        `json:"stage"`
	Hooks []policy.Hook `json:"hooks"`
	// Rebooted, for the postReboot stage, are the instances the install
	// rebooted; the other stages run on the batch's instances.
	Rebooted []string `json:"rebooted,omitempty"`
}

// HookResult is how a stage ended on a batch; the runs per instance are
// stored for the report.
type HookResult struct {
	// Skipped are the instances a hook failed on whose onFailure is
	// skip-instance: not installed (preInstall) or counted failed.
	Skipped []string `json:"skipped,omitempty"`
	// Halt, when set, is why a hook whose onFailure is halt stopped the
	// rollout.
	Halt string `json:"halt,omitempty"`
}

// hookStage is the stored record of one stage on one batch.
type hookStage struct {
	Result HookResult                  `json:"result"`
	Runs   map[string][]report.HookRun `json:"runs"`
}

// hookOutputTail is how much of a hook's output the report keeps.
const hookOutputTail = 1000

// RunHooks runs the stage's hooks, in order, on the batch's instances
// (preInstall: those to be installed; postReboot: those rebooted;
// postInstall: every instance the batch touched, whatever its install
// did). A hook that fails on an instance (an error, or an exit code other
// than 0) does what its onFailure says: skip-instance takes the instance
// out of the stage's later hooks and out of the install, halt stops the
// stage at once and halts the rollout, continue only records it. The
// stage's record is stored before the result is returned, so a retry
// after that returns it without running the hooks again; a retry before
// it runs them again (hooks must be safe to repeat, as SSM Run Command's
// are when a command is retried).
func (a *Activities) RunHooks(ctx context.Context, in HookInput) (HookResult, error) {
	if err := validRun(in.Run); err != nil {
		return HookResult{}, err
	}
	key := in.Run.waveKey(in.Wave, in.Batch, "hooks-"+in.Stage)
	var st hookStage
	if found, err := getJSON(ctx, a.Store, key, &st); err != nil || found {
		return st.Result, err
	}
	prober, ok := a.Provider.(fleet.HealthProber)
	if !ok && len(in.Hooks) > 0 {
		return HookResult{}, badInput("the provider cannot run hook commands")
	}
	ids, err := a.hookInstances(ctx, in)
	if err != nil {
		return HookResult{}, err
	}
	progress, stop := heartbeater(ctx, "hooks "+in.Stage)
	defer stop()
	st.Runs = map[string][]report.HookRun{}
	live := slices.Clone(ids)
	for _, h := range in.Hooks {
		if len(live) == 0 {
			break
		}
		hctx := fleet.WithCallKey(ctx, key+"/"+h.Name)
		res, err := prober.RunCommand(hctx, fleet.CommandRequest{InstanceIDs: live, Linux: h.Linux, Windows: h.Windows,
			Document: h.Document, Parameters: h.Parameters, Timeout: h.TimeoutOrDefault(), Name: "fleetpatch-hook-" + in.Stage + "-" + h.Name}, progress)
		if err != nil {
			return HookResult{}, providerError("hook "+h.Name, err)
		}
		var failed []string
		for _, r := range res {
			run := report.HookRun{Stage: in.Stage, Hook: h.Name, ExitCode: r.ExitCode, Output: tail(r.Output, hookOutputTail), Error: r.Error}
			if run.Failed() {
				run.OnFailure = string(h.Failure())
				failed = append(failed, r.InstanceID)
			}
			st.Runs[r.InstanceID] = append(st.Runs[r.InstanceID], run)
		}
		if len(failed) == 0 {
			continue
		}
		switch h.Failure() {
		case policy.HookHalt:
			st.Result.Halt = fmt.Sprintf("%s hook %s failed on %s", in.Stage, h.Name, hookFailures(failed, st.Runs))
		case policy.HookSkipInstance:
			st.Result.Skipped = append(st.Result.Skipped, failed...)
			live = slices.DeleteFunc(live, func(id string) bool { return slices.Contains(failed, id) })
		}
		if st.Result.Halt != "" {
			break
		}
	}
	slices.Sort(st.Result.Skipped)
	if err := putJSON(ctx, a.Store, key, st); err != nil {
		return HookResult{}, err
	}
	return st.Result, nil
}

// hookInstances are the instances a stage runs on.
func (a *Activities) hookInstances(ctx context.Context, in HookInput) ([]string, error) {
	if in.Stage == policy.StagePostReboot {
		return in.Rebooted, nil
	}
	bp, err := a.batchPlan(ctx, in.BatchInput)
	if err != nil {
		return nil, err
	}
	skip, err := a.snapshotSkipped(ctx, in.BatchInput)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, x := range bp.Instances {
		if _, ok := skip[x.ID]; !ok {
			ids = append(ids, x.ID)
		}
	}
	return ids, nil
}

// hookFailures names the first failed instances and how each failed.
func hookFailures(ids []string, runs map[string][]report.HookRun) string {
	var parts []string
	for _, id := range ids[:min(len(ids), 3)] {
		r := runs[id][len(runs[id])-1]
		why := r.Error
		if why == "" {
			why = fmt.Sprintf("exit code %d", r.ExitCode)
		}
		parts = append(parts, id+" ("+why+")")
	}
	if len(ids) > 3 {
		parts = append(parts, fmt.Sprintf("and %d more", len(ids)-3))
	}
	return strings.Join(parts, ", ")
}

// preInstallSkipped returns the instances the batch's preInstall hooks
// took out of the install, with why.
func (a *Activities) preInstallSkipped(ctx context.Context, in BatchInput) (map[string]string, error) {
	var st hookStage
	if _, err := getJSON(ctx, a.Store, in.Run.waveKey(in.Wave, in.Batch, "hooks-"+policy.StagePreInstall), &st); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, id := range st.Result.Skipped {
		runs := st.Runs[id]
		out[id] = "not installed: " + hookFailures([]string{id}, map[string][]report.HookRun{id: runs}) + " in " + policy.StagePreInstall + " hook " + runs[len(runs)-1].Hook
	}
	return out, nil
}

// batchHookRuns returns every stage's runs on the batch's instances, in
// stage order.
func (a *Activities) batchHookRuns(ctx context.Context, in BatchInput) (map[string][]report.HookRun, error) {
	runs := map[string][]report.HookRun{}
	for _, stage := range []string{policy.StagePreInstall, policy.StagePostReboot, policy.StagePostInstall} {
		var st hookStage
		if _, err := getJSON(ctx, a.Store, in.Run.waveKey(in.Wave, in.Batch, "hooks-"+stage), &st); err != nil {
			return nil, err
		}
		for id, rs := range st.Runs {
			runs[id] = append(runs[id], rs...)
		}
	}
	return runs, nil
}

// applyHooks adds the hook runs to the settled instances: a post-stage
// hook that failed with skip-instance fails the instance, and an instance
// whose preInstall hooks ran but whose postInstall hooks did not all
// succeed gets a warning (it may be left drained or stopped).
func applyHooks(out []report.Instance, runs map[string][]report.HookRun, postInstall bool) {
	for i := range out {
		ri := &out[i]
		rs := runs[ri.ID]
		ri.Hooks = rs
		pre, postOK := false, true
		for _, r := range rs {
			switch {
			case r.Stage == policy.StagePreInstall:
				pre = true
			case r.Stage == policy.StagePostInstall && r.Failed():
				postOK = false
			}
			if r.Stage != policy.StagePreInstall && r.Failed() && r.OnFailure == string(policy.HookSkipInstance) && ri.Outcome != report.Failed {
				ri.Outcome, ri.Reason = report.Failed, fmt.Sprintf("%s hook %s failed: %s", r.Stage, r.Hook, hookWhy(r))
			}
		}
		ran := false
		for _, r := range rs {
			ran = ran || r.Stage == policy.StagePostInstall
		}
		switch {
		case pre && postInstall && !ran:
			ri.Warnings = append(ri.Warnings, "the preInstall hooks ran but no postInstall hook did: the instance may be left as they made it (for example drained)")
		case pre && !postOK:
			ri.Warnings = append(ri.Warnings, "a postInstall hook failed after the preInstall hooks ran: the instance may be left as they made it (for example drained)")
		}
	}
}

func hookWhy(r report.HookRun) string {
	if r.Error != "" {
		return r.Error
	}
	return fmt.Sprintf("exit code %d", r.ExitCode)
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

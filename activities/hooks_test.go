package activities

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/providers/sim"
)

// A stage runs its hooks in order: skip-instance takes a failed instance
// out of the later hooks (and the install), continue only records,
// halt stops the stage; the stored record makes a second call return the
// same result without running anything again.
func TestRunHooksOnFailure(t *testing.T) {
	f := cloudsim.Generate(cloudsim.Config{Seed: 3, Instances: 40, Speed: 1, Timing: &cloudsim.Timing{}})
	var linux []fleet.Instance
	for _, in := range f.Instances() {
		if !in.OS.IsWindows() && in.Reachable() {
			linux = append(linux, in)
		}
	}
	require.GreaterOrEqual(t, len(linux), 3)
	batch := linux[:3]
	a, b, c := batch[0].ID, batch[1].ID, batch[2].ID
	acts := &Activities{Provider: sim.New(f), Store: DirStore{Root: t.TempDir()}}
	run := Run{Group: "g", Cycle: "2026-W48", ID: "run-1"}
	ctx := context.Background()
	bp := BatchPlan{Instances: batch}
	for _, x := range batch {
		bp.Request.Instances = append(bp.Request.Instances, fleet.InstanceInstallRequest{InstanceID: x.ID})
	}
	require.NoError(t, putJSON(ctx, acts.Store, run.waveKey(0, 0, "plan"), bp))

	name := func(h string) string { return "fleetpatch-hook-preInstall-" + h }
	f.SetNamedCommandOutcome(a, name("stop-app"), cloudsim.CommandOutcome{ExitCode: 2, Output: "still serving"})
	f.SetNamedCommandOutcome(b, name("notify-cmdb"), cloudsim.CommandOutcome{ExitCode: 1})
	in := HookInput{BatchInput: BatchInput{Run: run}, Stage: policy.StagePreInstall, Hooks: []policy.Hook{
		{Name: "stop-app", Linux: "systemctl stop app", OnFailure: policy.HookSkipInstance},
		{Name: "notify-cmdb", Linux: "cmdb-note patching", OnFailure: policy.HookContinue},
		{Name: "check", Linux: "true", OnFailure: policy.HookHalt},
	}}
	res, err := acts.RunHooks(ctx, in)
	require.NoError(t, err)
	require.Equal(t, HookResult{Skipped: []string{a}}, res)
	ran := func(id, hook string) int {
		n := 0
		for _, r := range f.Commands(id) {
			if r.Name == name(hook) {
				n++
			}
		}
		return n
	}
	require.Equal(t, 0, ran(a, "notify-cmdb"), "a skipped instance runs no later hook")
	require.Equal(t, 1, ran(b, "check"), "continue goes on")
	require.Equal(t, 1, ran(c, "check"))
	skipped, err := acts.preInstallSkipped(ctx, in.BatchInput)
	require.NoError(t, err)
	require.Contains(t, skipped[a], "stop-app")
	require.Contains(t, skipped[a], "exit code 2")

	again, err := acts.RunHooks(ctx, in)
	require.NoError(t, err)
	require.Equal(t, res, again)
	require.Equal(t, 1, ran(c, "check"), "the stored stage is not run again")

	// halt stops the stage at once and says where.
	f.SetNamedCommandOutcome(c, "fleetpatch-hook-postInstall-start-app", cloudsim.CommandOutcome{ExitCode: 7})
	post := HookInput{BatchInput: BatchInput{Run: run}, Stage: policy.StagePostInstall, Hooks: []policy.Hook{
		{Name: "start-app", Linux: "systemctl start app", OnFailure: policy.HookHalt},
		{Name: "after", Linux: "true"},
	}}
	res, err = acts.RunHooks(ctx, post)
	require.NoError(t, err)
	require.Equal(t, "postInstall hook start-app failed on "+c+" (exit code 7)", res.Halt)
	for _, id := range []string{a, b, c} {
		for _, r := range f.Commands(id) {
			require.NotEqual(t, "fleetpatch-hook-postInstall-after", r.Name, "no hook after a halt")
		}
	}
	runs, err := acts.batchHookRuns(ctx, in.BatchInput)
	require.NoError(t, err)
	require.Len(t, runs[a], 2, "stop-app (preInstall), start-app (postInstall)")
	require.Len(t, runs[b], 4)
}

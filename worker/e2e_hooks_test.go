package main

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// Command names of the test's hooks, as the fleet records them.
const (
	drainCommand   = "fleetpatch-hook-preInstall-drain"
	undrainCommand = "fleetpatch-hook-postInstall-undrain"
)

// withDrainHooks gives group a drain (preInstall, onFailure as given) and
// undrain (postInstall) hook pair.
func (s *stack) withDrainHooks(group string, onFailure policy.HookOnFailure) {
	s.pol.Groups[group].Hooks = &policy.Hooks{
		PreInstall: []policy.Hook{{Name: "drain", Linux: "deregister-from-target-group", Windows: "Suspend-ClusterNode",
			OnFailure: onFailure}},
		PostInstall: []policy.Hook{{Name: "undrain", Linux: "register-with-target-group", Windows: "Resume-ClusterNode"}},
	}
	// Two waves after the canary, each all at once, keep the test short
	// (each hook run takes the simulated command's second, and maxErrors
	// bounds the instances in flight).
	s.pol.Groups[group].Rollout.MaxConcurrency = policy.Amount{Percent: 50, IsPercent: true}
	s.pol.Groups[group].Rollout.MaxErrors = policy.Amount{Percent: 50, IsPercent: true}
	require.NoError(s.t, s.pol.Validate())
}

// lastRun is the last command of the name that ran on the instance.
func lastRun(runs []cloudsim.CommandRun, name string) (cloudsim.CommandRun, bool) {
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Name == name {
			return runs[i], true
		}
	}
	return cloudsim.CommandRun{}, false
}

// Every installed instance was drained before its install began and
// undrained after it ended (after its reboot), by the fleet's own
// records; the report carries each hook's result.
func TestE2EHooksDrainAndUndrainAroundTheInstall(t *testing.T) {
	s := newStack(t, 200, 0)
	s.withDrainHooks("prod-auto", policy.HookSkipInstance)
	ids := s.groupIDs("prod-auto")
	r := s.wait(s.start("prod-auto", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusCompleted, r.Status)
	rep := s.report(r)
	recs, _ := s.fleet.Journal(ids...)
	require.NotEmpty(t, recs)
	rebooted := 0
	for _, rec := range recs {
		runs := s.fleet.Commands(rec.InstanceID)
		drain, ok := lastRun(runs, drainCommand)
		require.True(t, ok, "%s installed without a drain", rec.InstanceID)
		undrain, ok := lastRun(runs, undrainCommand)
		require.True(t, ok, "%s left drained", rec.InstanceID)
		require.False(t, drain.Ended.After(rec.Start), "%s: drained at %s, after its install began at %s", rec.InstanceID, drain.Ended, rec.Start)
		require.False(t, undrain.Ended.Before(rec.End), "%s: undrained at %s, before its install (and reboot) ended at %s", rec.InstanceID, undrain.Ended, rec.End)
		require.Equal(t, 1, countRuns(runs, drainCommand), "%s drained once", rec.InstanceID)
		if rec.Rebooted {
			rebooted++
		}
	}
	require.Positive(t, rebooted, "some installs rebooted")
	for _, in := range rep.Instances {
		if !in.Planned {
			continue
		}
		require.Len(t, in.Hooks, 2, in.ID)
		require.Equal(t, report.HookRun{Stage: policy.StagePreInstall, Hook: "drain"}, in.Hooks[0])
		require.Equal(t, report.HookRun{Stage: policy.StagePostInstall, Hook: "undrain"}, in.Hooks[1])
		require.Empty(t, in.Warnings, in.ID)
	}
}

func countRuns(runs []cloudsim.CommandRun, name string) int {
	n := 0
	for _, r := range runs {
		if r.Name == name {
			n++
		}
	}
	return n
}

// A preInstall hook that fails with onFailure skip-instance keeps that
// instance from installing (the fleet records no install there) and
// fails it in the report with the hook's exit code and output; its
// postInstall hook still runs; the rest of the group installs.
func TestE2EFailingPreInstallHookSkipsTheInstance(t *testing.T) {
	s := newStack(t, 200, 0)
	s.withDrainHooks("prod-auto", policy.HookSkipInstance)
	ids := s.groupIDs("prod-auto")
	bad := s.canary("prod-auto")
	s.fleet.SetNamedCommandOutcome(bad, drainCommand, cloudsim.CommandOutcome{ExitCode: 3, Output: "target group busy"})
	r := s.wait(s.start("prod-auto", workflows.CycleInput{InstallNow: true}))
	rep := s.report(r)
	recs, _ := s.fleet.Journal(bad)
	require.Empty(t, recs, "the skipped instance was not installed")
	_, undrained := lastRun(s.fleet.Commands(bad), undrainCommand)
	require.True(t, undrained, "the postInstall hook still ran on it")
	i := slices.IndexFunc(rep.Instances, func(in *report.Instance) bool { return in.ID == bad })
	require.GreaterOrEqual(t, i, 0)
	in := rep.Instances[i]
	require.Equal(t, report.Failed, in.Outcome)
	require.Contains(t, in.Reason, "preInstall hook drain")
	require.Contains(t, in.Reason, "exit code 3")
	require.Equal(t, "target group busy", in.Hooks[0].Output)
	// The failed canary halts the rollout (as any failed canary does);
	// nothing else of the group was installed.
	require.Equal(t, workflows.StatusHalted, r.Status)
	others, _ := s.fleet.Journal(ids...)
	require.Empty(t, others)
}

// A preInstall hook that fails with onFailure halt stops the rollout
// before any install, says why, and still undoes the drain.
func TestE2EFailingPreInstallHookHalts(t *testing.T) {
	s := newStack(t, 200, 0)
	s.withDrainHooks("prod-auto", policy.HookHalt)
	ids := s.groupIDs("prod-auto")
	bad := s.canary("prod-auto")
	s.fleet.SetNamedCommandOutcome(bad, drainCommand, cloudsim.CommandOutcome{ExitCode: 1, Output: "no such target group"})
	r := s.wait(s.start("prod-auto", workflows.CycleInput{InstallNow: true}))
	require.Equal(t, workflows.StatusHalted, r.Status)
	rep := s.report(r)
	require.Contains(t, rep.Header.Reason, "preInstall hook drain failed on "+bad+" (exit code 1)")
	recs, _ := s.fleet.Journal(ids...)
	require.Empty(t, recs, "nothing installed")
	_, undrained := lastRun(s.fleet.Commands(bad), undrainCommand)
	require.True(t, undrained, "the postInstall hook undid the drain")
}

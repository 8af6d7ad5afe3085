package workflows

// Workflows run for a week, so workers are upgraded while cycles are in
// flight. Every change to the commands a workflow issues (activities,
// timers, children, markers, their order) is gated with workflow.GetVersion
// under a change ID listed here, and TestReplayStoredHistories replays the
// stored histories of every earlier version (workflows/testdata) on the
// current code. Changes to data only (activity inputs, validators, query
// results) need no gate: a validator does not run on replay.
//
// The corpus only grows: each version's histories go into their own folder
// under workflows/testdata/histories, and no stored history is rewritten.

// HistoryCorpus is the folder under workflows/testdata/histories that
// holds the histories recorded by this version of the workflows
// (FLEETPATCH_UPDATE_HISTORIES=1 go test -run
// 'TestE2EHistoriesReplay|TestE2EMoreEndingsReplay|TestE2EApprovalAndFailureEndingsReplay' ./worker/ adds them;
// docs/upgrades.md has the release steps).
const HistoryCorpus = "3-safety"

const (
	// changeRelease2 gates every change of release 2 to the commands the
	// workflows issue: approvals and rejections are signed statements; an
	// install outside the window needs onDemand; RetryFailed snapshots the
	// policy and may wait for its own approval and its window; scans honour
	// pause; a cycle installs only within its week and while it holds its
	// group's rollout lock; waves keep their instances in flight within the
	// error budget, skip verification of batches the window closed on, and
	// a failed canary, a bake and the health gates run between waves.
	// Histories recorded before it replay through the legacy branches
	// (workflow.DefaultVersion); when such a cycle reaches an install, the
	// activities' checks (a manifest digest that now covers group and
	// cycle, a signed approval) fail it closed.
	changeRelease2 = "release-2"

	// changeConcurrency gates the parallelism from the policy: without a
	// tuning value, a scan starts all its batches and a wave all of its
	// batches (its maxConcurrency instances), up to 500; runs recorded
	// before it ran 10 batches at a time.
	changeConcurrency = "concurrency-from-policy"

	// changeScanChildren gates scanning in Scan children of 200 batches
	// (10,000 servers) each, so that no history grows with the group past
	// that; runs recorded before it scanned in the cycle itself.
	changeScanChildren = "scan-children"

	// changePreflight gates the pre-flight drift check after evaluation,
	// before the review and the install; runs recorded before it went
	// from evaluation straight to the approval or the install.
	changePreflight = "preflight"
)

package activities

import (
	"context"
	"sort"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

// DiscoverInput asks for a run's targets.
type DiscoverInput struct {
	Run      Run            `json:"run"`
	Selector fleet.Selector `json:"selector"`
	// Baselines are the snapshot's baselines; they are stored with the
	// targets and given to every scan of the cycle (providers whose cloud
	// evaluates the baseline itself need them).
	Baselines map[fleet.OSFamily]policy.Baseline `json:"baselines,omitempty"`
}

// DiscoverResult summarises the targets, which are stored in batches.
type DiscoverResult struct {
	Total       int                    `json:"total"`
	Unreachable int                    `json:"unreachable"`
	Batches     int                    `json:"batches"`
	ByOS        map[fleet.OSFamily]int `json:"byOS"`
}

// Discover lists the group's instances and stores them, sorted by ID, in
// batches of at most fleet.MaxBatch. It runs once per run: the stored
// summary is returned afterwards, so a retry or a reset cannot reshuffle
// batches that were already scanned.
func (a *Activities) Discover(ctx context.Context, in DiscoverInput) (DiscoverResult, error) {
	_, stopBeats := heartbeater(ctx, "discover") // long at 100,000 servers: heartbeats say it is alive
	defer stopBeats()
	if err := validRun(in.Run); err != nil {
		return DiscoverResult{}, err
	}
	var stored DiscoverResult
	if found, err := getJSON(ctx, a.Store, in.Run.discoveryKey(), &stored); err != nil || found {
		return stored, err
	}
	if err := putJSON(ctx, a.Store, in.Run.baselinesKey(), in.Baselines); err != nil {
		return DiscoverResult{}, err
	}
	insts, err := a.Provider.Discover(ctx, in.Selector)
	if err != nil {
		return DiscoverResult{}, providerError("discover", err)
	}
	sort.Slice(insts, func(i, j int) bool { return insts[i].ID < insts[j].ID })
	res := DiscoverResult{Total: len(insts), ByOS: map[fleet.OSFamily]int{}}
	for _, i := range insts {
		res.ByOS[i.OS]++
		if !i.Reachable() {
			res.Unreachable++
		}
	}
	for b := 0; b*fleet.MaxBatch < len(insts); b++ {
		chunk := insts[b*fleet.MaxBatch : min(len(insts), (b+1)*fleet.MaxBatch)]
		if err := putJSON(ctx, a.Store, in.Run.targetsKey(b), chunk); err != nil {
			return DiscoverResult{}, err
		}
		res.Batches++
	}
	return res, putJSON(ctx, a.Store, in.Run.discoveryKey(), res)
}

// batches returns how many target batches the run's discovery stored; 0
// when the run stopped before discovery.
func (a *Activities) batches(ctx context.Context, run Run) (int, error) {
	var d DiscoverResult
	_, err := getJSON(ctx, a.Store, run.discoveryKey(), &d)
	return d.Batches, err
}

// targets reads one batch of a run's targets.
func (a *Activities) targets(ctx context.Context, run Run, batch int) ([]fleet.Instance, error) {
	var insts []fleet.Instance
	found, err := getJSON(ctx, a.Store, run.targetsKey(batch), &insts)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, lostArtifact(run.targetsKey(batch))
	}
	return insts, nil
}

// withBaselines returns ctx carrying the cycle's baselines, as stored by
// its discovery, for the provider's scans.
func (a *Activities) withBaselines(ctx context.Context, run Run) (context.Context, error) {
	var b map[fleet.OSFamily]policy.Baseline
	found, err := getJSON(ctx, a.Store, run.Base().baselinesKey(), &b)
	if err != nil || !found {
		return ctx, err
	}
	return policy.WithBaselines(ctx, b), nil
}

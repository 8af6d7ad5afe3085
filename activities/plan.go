package activities

import (
	"context"
	"slices"
	"sort"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

// PlanInput asks for a rollout plan over a run's manifest.
type PlanInput struct {
	Run Run `json:"run"`
	// Approved is what the run may install.
	Approved Approved       `json:"approved"`
	Rollout  policy.Rollout `json:"rollout"`
}

// Plan is how a rollout proceeds: its waves, each in batches that are
// stored as install requests.
type Plan struct {
	Waves []WavePlan `json:"waves"`
	// Instances is the number of instances to install on.
	Instances int `json:"instances"`
	// MaxErrors is the number of failed instances the rollout tolerates.
	MaxErrors int `json:"maxErrors"`
	// NotApproved is the number of instances left with nothing approved.
	NotApproved int `json:"notApproved"`
}

// WavePlan is one wave.
type WavePlan struct {
	Index     int `json:"index"`
	Instances int `json:"instances"`
	Batches   int `json:"batches"`
	// BatchSize is how many instances each batch holds (the last may hold
	// fewer); 0 in plans made before it was recorded means fleet.MaxBatch.
	BatchSize int `json:"batchSize,omitempty"`
}

// Size is the number of instances in batch b of the wave.
func (w WavePlan) Size(b int) int {
	size := w.BatchSize
	if size <= 0 {
		size = fleet.MaxBatch
	}
	return max(0, min(size, w.Instances-b*size))
}

// BatchPlan is one stored batch of a wave: the install request and the
// instances it is for.
type BatchPlan struct {
	Request   fleet.InstallRequest `json:"request"`
	Instances []fleet.Instance     `json:"instances"`
	// ReleaseVersion is the Amazon Linux 2023 release version the batch's
	// AL2023 instances move to before the install ("" for none); see
	// ReleaseTarget.
	ReleaseVersion string `json:"releaseVersion,omitempty"`
}

// PlanRollout checks that the stored manifest is the one the cycle
// reviewed and that the approval holds (see checkApproved), then restricts
// the manifest to the approved patches and splits the instances into waves
// (a canary, then waves of maxConcurrency), each into batches of at most
// fleet.MaxBatch, and stores them with the approval, which every install
// batch checks again.
func (a *Activities) PlanRollout(ctx context.Context, in PlanInput) (Plan, error) {
	_, stopBeats := heartbeater(ctx, "plan rollout") // long at 100,000 servers: heartbeats say it is alive
	defer stopBeats()
	m, err := a.approvedManifest(ctx, in.Run, in.Approved)
	if err != nil {
		return Plan{}, err
	}
	var stored Plan
	if found, err := getJSON(ctx, a.Store, in.Run.planKey(), &stored); err != nil || found {
		return stored, err
	}
	var reqs []fleet.InstanceInstallRequest
	notApproved := 0
	for _, i := range m.Instances {
		r := fleet.InstanceInstallRequest{InstanceID: i.InstanceID}
		for _, id := range i.PatchIDs {
			if in.Approved.All || slices.Contains(in.Approved.Patches, id) {
				r.PatchIDs = append(r.PatchIDs, id)
			}
		}
		if len(r.PatchIDs) == 0 {
			notApproved++
			continue
		}
		reqs = append(reqs, r)
	}
	insts, err := a.instancesByID(ctx, in.Run, len(m.Instances))
	if err != nil {
		return Plan{}, err
	}
	plan, err := a.storePlan(ctx, in.Run, reqs, m.Patches, insts, in.Rollout)
	if err != nil {
		return Plan{}, err
	}
	plan.NotApproved = notApproved
	return plan, putJSON(ctx, a.Store, in.Run.planKey(), plan)
}

// approvedManifest verifies the manifest and the approval before a plan is
// made, and stores the approval for the install batches.
func (a *Activities) approvedManifest(ctx context.Context, run Run, ap Approved) (Manifest, error) {
	if err := validRun(run); err != nil {
		return Manifest{}, err
	}
	m, err := a.verifiedManifest(ctx, run, ap.Digest)
	if err != nil {
		return Manifest{}, err
	}
	if err := a.checkApproved(ctx, run, ap, m, a.now(), false); err != nil {
		return Manifest{}, err
	}
	return m, putJSON(ctx, a.Store, run.approvedKey(), ap)
}

// instancesByID reads every target of a run into a map.
func (a *Activities) instancesByID(ctx context.Context, run Run, hint int) (map[string]fleet.Instance, error) {
	n, err := a.batches(ctx, run)
	if err != nil {
		return nil, err
	}
	out := make(map[string]fleet.Instance, hint)
	for b := 0; b < n; b++ {
		insts, err := a.targets(ctx, run, b)
		if err != nil {
			return nil, err
		}
		for _, i := range insts {
			out[i.ID] = i
		}
	}
	return out, nil
}

// storePlan splits reqs into waves and batches and stores each batch.
func (a *Activities) storePlan(ctx context.Context, run Run, reqs []fleet.InstanceInstallRequest,
	patches []fleet.Patch, insts map[string]fleet.Instance, ro policy.Rollout) (Plan, error) {
	sort.Slice(reqs, func(i, j int) bool { return reqs[i].InstanceID < reqs[j].InstanceID })
	reqs = rolloutOrder(reqs, insts)
	release, err := a.releaseVersion(ctx, run)
	if err != nil {
		return Plan{}, err
	}
	byID := map[string]fleet.Patch{}
	for _, p := range patches {
		byID[p.ID] = p
	}
	n := len(reqs)
	plan := Plan{Instances: n, MaxErrors: ro.MaxErrors.Of(n)}
	// A batch holds no more instances than the failures it takes to halt,
	// so that a batch that fails whole overshoots maxErrors by less than a
	// batch (see policy.Rollout.MaxErrors).
	batch := min(fleet.MaxBatch, plan.MaxErrors+1)
	for start, w := 0, 0; start < n; w++ {
		size := ro.MaxConcurrency.Of(n)
		if w == 0 {
			size = ro.Canary.Of(n)
		}
		size = max(1, min(size, n-start))
		wave := reqs[start : start+size]
		byScopeThenID(wave, insts)
		wp := WavePlan{Index: w, Instances: size, BatchSize: batch}
		for b := 0; b*batch < len(wave); b++ {
			chunk := wave[b*batch : min(len(wave), (b+1)*batch)]
			bp := BatchPlan{Request: fleet.InstallRequest{CycleID: run.Key(), Instances: chunk}}
			used := map[string]bool{}
			for _, r := range chunk {
				if insts[r.InstanceID].OS == fleet.OSAmazonLinux2023 {
					bp.ReleaseVersion = release
				}
				bp.Instances = append(bp.Instances, insts[r.InstanceID])
				for _, id := range r.PatchIDs {
					if !used[id] {
						used[id] = true
						bp.Request.Patches = append(bp.Request.Patches, byID[id])
					}
				}
			}
			if err := putJSON(ctx, a.Store, run.waveKey(w, b, "plan"), bp); err != nil {
				return Plan{}, err
			}
			wp.Batches++
		}
		plan.Waves = append(plan.Waves, wp)
		start += size
	}
	return plan, nil
}

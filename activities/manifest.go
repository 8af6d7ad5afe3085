package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

// Manifest is the frozen set of patches of a cycle: which baseline-approved
// patches each instance gets. It is written once per cycle; its Digest is
// what an approval names.
type Manifest struct {
	Digest      string    `json:"digest"`
	EvaluatedAt time.Time `json:"evaluatedAt"`
	// Patches are the candidate patches, sorted by ID.
	Patches []fleet.Patch `json:"patches"`
	// Instances are the instances with at least one candidate, sorted by ID.
	Instances []fleet.InstanceInstallRequest `json:"instances"`
	// Decisions are the baseline decisions on every patch seen missing,
	// by OS, for the report's "still missing, and why".
	Decisions []OSDecision `json:"decisions"`
	// Scanned is the number of instances scanned without error.
	Scanned int `json:"scanned"`
	// FromVersions are, per manifest patch, the versions installed now on
	// the instances that get it, sorted.
	FromVersions map[string][]string `json:"fromVersions,omitempty"`
}

// OSDecision is a baseline decision for a patch on one OS family.
type OSDecision struct {
	OS fleet.OSFamily `json:"os"`
	policy.Decision
}

// manifestDigest hashes exactly what an approval approves: the group and
// the cycle, every patch of the manifest with all its fields (name,
// version, KB, classification, as the review shows them) and the
// per-instance assignment, in sorted order. An approval of one cycle's
// manifest therefore never matches another cycle's, even with the same
// patches.
func manifestDigest(run Run, patches []fleet.Patch, insts []fleet.InstanceInstallRequest) string {
	b, _ := json.Marshal(struct {
		Group     string                         `json:"group"`
		Cycle     string                         `json:"cycle"`
		Patches   []fleet.Patch                  `json:"patches"`
		Instances []fleet.InstanceInstallRequest `json:"instances"`
	}{run.Group, run.Cycle, patches, insts})
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// BuildManifestInput asks for a run's manifest.
type BuildManifestInput struct {
	Run      Run             `json:"run"`
	Batches  int             `json:"batches"`
	Snapshot policy.Snapshot `json:"snapshot"`
	// At is the evaluation time (the workflow's clock), for approval delays.
	At time.Time `json:"at"`
}

// BuildManifest evaluates every scanned missing patch against the baseline
// of its OS, freezes the approved ones as the manifest, stores the manifest
// and the full review, and returns the review summary.
func (a *Activities) BuildManifest(ctx context.Context, in BuildManifestInput) (Review, error) {
	_, stopBeats := heartbeater(ctx, "build manifest") // long at 100,000 servers: heartbeats say it is alive
	defer stopBeats()
	if err := validRun(in.Run); err != nil {
		return Review{}, err
	}
	var m Manifest
	found, err := getJSON(ctx, a.Store, in.Run.manifestKey(), &m)
	if err != nil {
		return Review{}, err
	}
	if !found {
		m, err = a.evaluate(ctx, in)
		if err != nil {
			return Review{}, err
		}
		if err := a.storeReleaseTarget(ctx, in); err != nil {
			return Review{}, err
		}
		if err := putJSON(ctx, a.Store, in.Run.manifestKey(), m); err != nil {
			return Review{}, err
		}
	}
	return a.review(ctx, in, m)
}

// evaluate reads the scans and builds the manifest.
func (a *Activities) evaluate(ctx context.Context, in BuildManifestInput) (Manifest, error) {
	catalog := map[string]fleet.Patch{}
	decided := map[string]policy.Decision{} // by OS + "\x00" + patch ID
	chosen := map[string]bool{}
	from := map[string]map[string]bool{}
	m := Manifest{EvaluatedAt: in.At}
	for b := 0; b < in.Batches; b++ {
		insts, err := a.targets(ctx, in.Run, b)
		if err != nil {
			return Manifest{}, err
		}
		osOf := map[string]fleet.OSFamily{}
		for _, i := range insts {
			osOf[i.ID] = i.OS
		}
		var scan fleet.ScanResult
		if _, err := getJSON(ctx, a.Store, in.Run.scanKey(b), &scan); err != nil {
			return Manifest{}, err
		}
		for _, p := range scan.Catalog {
			catalog[p.ID] = p
		}
		for _, s := range scan.Instances {
			if s.Error == "" {
				m.Scanned++
			}
			req := fleet.InstanceInstallRequest{InstanceID: s.InstanceID}
			os := osOf[s.InstanceID]
			for _, ps := range s.Patches {
				if ps.State != fleet.StateMissing && ps.State != fleet.StateFailed {
					continue
				}
				key := string(os) + "\x00" + ps.PatchID
				d, ok := decided[key]
				if !ok {
					d = decide(in.Snapshot, os, catalog[ps.PatchID], ps.InstalledVersion, in.At)
					decided[key] = d
				}
				if d.Verdict == policy.Approved {
					req.PatchIDs = append(req.PatchIDs, ps.PatchID)
					chosen[ps.PatchID] = true
					if ps.InstalledVersion != "" {
						if from[ps.PatchID] == nil {
							from[ps.PatchID] = map[string]bool{}
						}
						from[ps.PatchID][ps.InstalledVersion] = true
					}
				}
			}
			if len(req.PatchIDs) > 0 {
				sort.Strings(req.PatchIDs)
				m.Instances = append(m.Instances, req)
			}
		}
	}
	m.FromVersions = map[string][]string{}
	for id := range chosen {
		m.Patches = append(m.Patches, catalog[id])
		for v := range from[id] {
			m.FromVersions[id] = append(m.FromVersions[id], v)
		}
		sort.Strings(m.FromVersions[id])
	}
	sort.Slice(m.Patches, func(i, j int) bool { return m.Patches[i].ID < m.Patches[j].ID })
	sort.Slice(m.Instances, func(i, j int) bool { return m.Instances[i].InstanceID < m.Instances[j].InstanceID })
	for key, d := range decided {
		os := fleet.OSFamily(key[:len(key)-len(d.PatchID)-1])
		m.Decisions = append(m.Decisions, OSDecision{OS: os, Decision: d})
	}
	sort.Slice(m.Decisions, func(i, j int) bool {
		if m.Decisions[i].OS != m.Decisions[j].OS {
			return m.Decisions[i].OS < m.Decisions[j].OS
		}
		return m.Decisions[i].PatchID < m.Decisions[j].PatchID
	})
	m.Digest = manifestDigest(in.Run, m.Patches, m.Instances)
	return m, nil
}

// decide evaluates one patch against the snapshot's baseline for the OS,
// then applies the group's minPatchAge; an OS without a baseline approves
// nothing.
func decide(s policy.Snapshot, os fleet.OSFamily, p fleet.Patch, installed string, at time.Time) policy.Decision {
	b, ok := s.Baselines[os]
	if !ok {
		return policy.Decision{PatchID: p.ID, Verdict: policy.NotSelected,
			Reason: "the group names no baseline for " + string(os)}
	}
	return policy.ApplyMinPatchAge(policy.Evaluate(&b, p, installed, at), p, s.Group.MinPatchAge, at)
}

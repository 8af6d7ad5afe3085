package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// sampleSize is how many affected instances a review lists inline per
// patch; the full lists are in the stored review.
const sampleSize = 10

// Review is what an approver reads: the manifest's patches grouped by
// package or KB, with from and to versions, severity, CVEs and the affected
// instances, and the digest to approve.
type Review struct {
	Digest string `json:"digest"`
	// Key is the store key of the full review (every affected instance).
	Key     string        `json:"key"`
	Patches []ReviewPatch `json:"patches"`
	// Instances is the number of instances that get at least one patch.
	Instances int `json:"instances"`
	// Compliant is the number of scanned instances that need nothing.
	Compliant int `json:"compliant"`
	// Unapplied says which baseline filters could not be applied because
	// a cloud does not report their key, and on how many of the patches
	// seen missing, e.g. "Azure does not report MSRC severity; the filter
	// cannot be applied (3 patches)" (policy.Decision.Unapplied). Such
	// filters select none of those patches.
	Unapplied []string `json:"unapplied,omitempty"`
}

// ReviewPatch is one patch of the manifest.
type ReviewPatch struct {
	ID             string         `json:"id"`
	Name           string         `json:"name"`
	KB             string         `json:"kb,omitempty"`
	OS             fleet.OSFamily `json:"os"`
	ToVersion      string         `json:"toVersion,omitempty"`
	FromVersions   []string       `json:"fromVersions,omitempty"`
	Classification string         `json:"classification,omitempty"`
	Severity       string         `json:"severity,omitempty"`
	CVEs           []string       `json:"cves,omitempty"`
	RequiresReboot bool           `json:"requiresReboot,omitempty"`
	InstanceCount  int            `json:"instanceCount"`
	// Instances lists up to 10 affected instances here, all of them in the
	// stored review.
	Instances []string `json:"instances"`
}

// review builds the review of a manifest, stores the full one and returns
// the summary.
func (a *Activities) review(ctx context.Context, in BuildManifestInput, m Manifest) (Review, error) {
	full := map[string]*ReviewPatch{}
	for _, p := range m.Patches {
		sev := p.Severity
		if sev == "" {
			sev = firstNonEmpty(p.MSRCSeverity, p.Priority)
		}
		full[p.ID] = &ReviewPatch{ID: p.ID, Name: p.Name, KB: p.KB, OS: p.OS, ToVersion: p.Version,
			FromVersions: m.FromVersions[p.ID], Classification: p.Classification, Severity: sev, CVEs: p.CVEs,
			RequiresReboot: p.RequiresReboot}
	}
	for _, i := range m.Instances {
		for _, id := range i.PatchIDs {
			full[id].Instances = append(full[id].Instances, i.InstanceID)
			full[id].InstanceCount++
		}
	}
	r := Review{Digest: m.Digest, Key: in.Run.Prefix() + "/review.json",
		Instances: len(m.Instances), Compliant: m.Scanned - len(m.Instances), Unapplied: unapplied(m.Decisions)}
	for _, p := range m.Patches {
		r.Patches = append(r.Patches, *full[p.ID])
	}
	if err := putJSON(ctx, a.Store, r.Key, r); err != nil {
		return Review{}, err
	}
	for i := range r.Patches {
		if len(r.Patches[i].Instances) > sampleSize {
			r.Patches[i].Instances = r.Patches[i].Instances[:sampleSize]
		}
	}
	return fitPayload(r), nil
}

// maxReviewBytes keeps the review that travels in the workflow well under
// Temporal's payload limits (2 MB hard; fleetpatch aims at 256 KB).
const maxReviewBytes = 192 << 10

// fitPayload drops the inline instance samples, then the CVE lists, when
// the review would be too large a payload; the stored review keeps them.
func fitPayload(r Review) Review {
	size := func() int { b, _ := json.Marshal(r); return len(b) }
	if size() <= maxReviewBytes {
		return r
	}
	for i := range r.Patches {
		r.Patches[i].Instances = nil
	}
	if size() <= maxReviewBytes {
		return r
	}
	for i := range r.Patches {
		r.Patches[i].CVEs = nil
	}
	return r
}

// unapplied counts the decisions by the filters they could not apply
// (policy.Decision.Unapplied), one line per reason, sorted.
func unapplied(ds []OSDecision) []string {
	n := map[string]int{}
	for _, d := range ds {
		if d.Unapplied != "" {
			n[d.Unapplied]++
		}
	}
	var out []string
	for why, c := range n {
		noun := "patches"
		if c == 1 {
			noun = "patch"
		}
		out = append(out, fmt.Sprintf("%s (%d %s)", why, c, noun))
	}
	sort.Strings(out)
	return out
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

package activities

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
)

// ErrIntegrity is the error type of a failed check before an install: what
// would be installed is not what was reviewed and approved. It is not
// retryable, and the cycle fails closed.
const ErrIntegrity = "IntegrityCheck"

func integrityError(format string, args ...any) error {
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(format, args...), ErrIntegrity, nil)
}

// Approved is what a run may install: the manifest with Digest (as the
// cycle's history recorded it), restricted to the approved patches, under
// the signed approval for approval groups.
type Approved struct {
	Digest string `json:"digest"`
	// All approves every patch of the manifest; otherwise Patches (sorted).
	All     bool     `json:"all"`
	Patches []string `json:"patches,omitempty"`
	// Approval is the signed approval; nil for auto groups.
	Approval *report.Approval `json:"approval,omitempty"`
}

// manifestCache keeps the last verified manifest, so that the install
// batches of a wave do not each decode a 10,000-instance manifest again;
// the stored bytes are still read and hashed every time.
type manifestCache struct {
	mu  sync.Mutex
	sum [sha256.Size]byte
	m   Manifest
}

// verifiedManifest reads the cycle's stored manifest and checks that it
// hashes to its own digest and to want, the digest the cycle reviewed.
func (a *Activities) verifiedManifest(ctx context.Context, run Run, want string) (Manifest, error) {
	b, err := a.Store.Get(ctx, run.Base().manifestKey())
	if errors.Is(err, ErrNotFound) {
		return Manifest{}, integrityError("run %s has no stored manifest: refusing to install", run)
	}
	if err != nil {
		return Manifest{}, err
	}
	sum := sha256.Sum256(b)
	a.manifests.mu.Lock()
	defer a.manifests.mu.Unlock()
	m := a.manifests.m
	if sum != a.manifests.sum || m.Digest == "" {
		m = Manifest{}
		if err := json.Unmarshal(b, &m); err != nil {
			return Manifest{}, integrityError("the stored manifest of %s is unreadable (%v): refusing to install", run, err)
		}
	}
	got := manifestDigest(run.Base(), m.Patches, m.Instances)
	if got != m.Digest || m.Digest != want {
		return Manifest{}, integrityError("the stored manifest of %s hashes to %s, not to the reviewed and approved digest %s: refusing to install",
			run, got, want)
	}
	a.manifests.sum, a.manifests.m = sum, m
	return m, nil
}

// checkApproved checks ap against the group's current policy, which the
// worker reads itself (a workflow's word is not enough): a scan-only group
// installs nothing; an approval group needs a quorum of statements,
// verified with its approvers' current keys, that approve exactly ap's
// patches of this manifest for this run and have not expired at now. When
// an install is only being resumed (its cloud command may already run),
// the statements are checked as of when the cycle received them.
func (a *Activities) checkApproved(ctx context.Context, run Run, ap Approved, m Manifest, now time.Time, resuming bool) error {
	pol, err := a.LoadPolicy()
	if err != nil {
		return err
	}
	g, err := pol.Group(run.Group)
	if err != nil {
		return integrityError("%v: refusing to install", err)
	}
	switch g.Mode {
	case policy.ModeAuto:
		return nil
	case policy.ModeApproval:
	default:
		return integrityError("group %s is %s in the current policy: refusing to install", run.Group, g.Mode)
	}
	if ap.Approval == nil || ap.Approval.Decision != "approved" {
		return integrityError("group %s needs a signed approval and run %s has none: refusing to install", run.Group, run)
	}
	signers, err := g.Approval.Signers()
	if err != nil {
		return integrityError("group %s: %v", run.Group, err)
	}
	ids := make([]string, len(m.Patches))
	for i, p := range m.Patches {
		ids[i] = p.ID
	}
	var subset []string
	if !ap.All {
		subset = ap.Patches
	}
	q := approval.Quorum{Required: g.Approval.Required}
	for _, sig := range ap.Approval.Signatures {
		at := now
		if resuming {
			at = sig.Received
		}
		v, err := approval.Verify(approval.Signed{Statement: sig.Statement, Signature: sig.Signature}, signers, at)
		if err == nil {
			ns := namespaceOf(ctx)
			if ns == "" {
				ns = v.Statement.Namespace
			}
			err = approval.Expectation{Namespace: ns, Workflows: []string{run.Base().WorkflowID(), run.WorkflowID()},
				Run: run.ID, Digest: m.Digest, Patches: ids, Approvers: g.Approval.Approvers, StartNow: true, Now: at}.Check(v.Statement)
		}
		if err == nil && v.Statement.Decision != approval.Approve {
			err = fmt.Errorf("it is a %s", v.Statement.Decision)
		}
		if err == nil && !slices.Equal(v.Statement.Patches, subset) {
			err = fmt.Errorf("it approves other patches than the rollout installs")
		}
		if err == nil {
			err = q.Admit(v)
		}
		if err != nil {
			return integrityError("the approval of %s by %s does not hold: %v: refusing to install", run, sig.Principal, err)
		}
		q.Approvals = append(q.Approvals, v)
	}
	if !q.Complete() {
		return integrityError("run %s has %d valid approvals, group %s needs %d: refusing to install", run, len(q.Approvals), run.Group, max(1, q.Required))
	}
	return nil
}

// namespaceOf is the namespace of the workflow the activity runs for, or
// "" outside an activity (tests).
func namespaceOf(ctx context.Context) string {
	if activity.IsActivity(ctx) {
		return activity.GetInfo(ctx).WorkflowNamespace
	}
	return ""
}

// checkBatch checks that a stored batch plan installs nothing but
// manifest patches, each on an instance the manifest assigns it to, each
// approved, with the patch details the manifest has.
func checkBatch(bp BatchPlan, m Manifest, ap Approved) error {
	assigned := make(map[string][]string, len(m.Instances))
	for _, i := range m.Instances {
		assigned[i.InstanceID] = i.PatchIDs
	}
	byID := make(map[string]fleet.Patch, len(m.Patches))
	for _, p := range m.Patches {
		byID[p.ID] = p
	}
	if len(bp.Instances) != len(bp.Request.Instances) {
		return fmt.Errorf("%d instances but %d install requests", len(bp.Instances), len(bp.Request.Instances))
	}
	used := map[string]bool{}
	for i, r := range bp.Request.Instances {
		if bp.Instances[i].ID != r.InstanceID {
			return fmt.Errorf("request %d is for %s, not %s", i, r.InstanceID, bp.Instances[i].ID)
		}
		for _, id := range r.PatchIDs {
			if !slices.Contains(assigned[r.InstanceID], id) {
				return fmt.Errorf("%s on %s is not in the manifest", id, r.InstanceID)
			}
			if !ap.All && !slices.Contains(ap.Patches, id) {
				return fmt.Errorf("%s is not approved", id)
			}
			used[id] = true
		}
	}
	if len(bp.Request.Patches) != len(used) {
		return fmt.Errorf("the request lists %d patches, its instances use %d", len(bp.Request.Patches), len(used))
	}
	for _, p := range bp.Request.Patches {
		want, ok := byID[p.ID]
		if !ok || !used[p.ID] {
			return fmt.Errorf("patch %s is not installed on any instance of the batch", p.ID)
		}
		a, _ := json.Marshal(p)
		b, _ := json.Marshal(want)
		if !bytes.Equal(a, b) {
			return fmt.Errorf("patch %s differs from the manifest's", p.ID)
		}
	}
	return nil
}

package fleet

import (
	"context"
	"time"
)

// MaxBatch is the most instances one provider call handles: an SSM
// SendCommand takes at most 50 instance IDs, and every provider keeps to it.
const MaxBatch = 50

// RebootOption says what an install does when an update needs a reboot,
// spelled as AWS-RunPatchBaseline's RebootOption.
type RebootOption string

// Reboot options.
const (
	RebootIfNeeded RebootOption = "RebootIfNeeded"
	NoReboot       RebootOption = "NoReboot"
)

// Selector chooses instances: every tag must match, and each non-empty list
// narrows further.
type Selector struct {
	Tags     map[string]string `json:"tags,omitempty"`
	Clouds   []Cloud           `json:"clouds,omitempty"`
	Accounts []string          `json:"accounts,omitempty"`
	Regions  []string          `json:"regions,omitempty"`
	OS       []OSFamily        `json:"os,omitempty"`
}

// Matches reports whether the instance is selected.
func (s Selector) Matches(i Instance) bool {
	for k, v := range s.Tags {
		if i.Tags[k] != v {
			return false
		}
	}
	return contains(s.Clouds, i.Cloud) && contains(s.Accounts, i.Account) &&
		contains(s.Regions, i.Region) && contains(s.OS, i.OS)
}

// contains is true when list is empty (no filter) or holds v.
func contains[T comparable](list []T, v T) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// InstallRequest asks a provider to install, on each instance, exactly the
// patches listed for it and nothing else.
type InstallRequest struct {
	// CycleID pins one approved set per cycle (an SSM SnapshotId is derived
	// from it), so a retry installs the same thing.
	CycleID string `json:"cycleId"`
	// Patches holds the definitions of every patch named in Instances.
	Patches []Patch `json:"patches"`
	// Instances maps each instance to the IDs of the patches it gets.
	Instances []InstanceInstallRequest `json:"instances"`
	Reboot    RebootOption             `json:"reboot"`
	// Deadline is when the install must be done (the window's end);
	// zero means none. Providers stop waiting for it then and make their
	// cloud stop the install (AWS: the command's timeouts and a cancel;
	// Azure: maximumDuration).
	Deadline time.Time `json:"deadline,omitempty"`
	// LastStart is the window's cutoff: after it a provider starts no new
	// install (it may still resume and watch one an earlier attempt
	// started), and fails with ErrWindowClosed; zero means none.
	LastStart time.Time `json:"lastStart,omitempty"`
	// Resume says an earlier attempt of this call may have started the
	// install (and died before its result was kept): a provider must find
	// that install again and report it, or report the instances
	// Unconfirmed, and never install a second time.
	Resume bool `json:"resume,omitempty"`
	// DeferLivePatchedReboots asks, with RebootIfNeeded, to skip the reboot
	// of an instance whose only reboot-needing updates are kernel updates
	// whose fixes live patches already apply to the running kernel
	// (Canonical Livepatch, Amazon Linux kernel live patching): the
	// instance is reported RebootDeferred with the live-patched CVEs.
	DeferLivePatchedReboots bool `json:"deferLivePatchedReboots,omitempty"`
}

// ErrWindowClosed is returned by a provider asked to start an install
// after the request's LastStart.
var ErrWindowClosed = errorString("fleet: the install window's cutoff has passed; no new install starts")

// InstanceInstallRequest lists the patches for one instance.
type InstanceInstallRequest struct {
	InstanceID string   `json:"instanceId"`
	PatchIDs   []string `json:"patchIds"`
}

// Progress reports how much of a batch call is done; providers call it as
// work completes so activities can heartbeat with it.
type Progress func(done, total int)

// Provider drives one cloud (or the simulated fleet). Every call handles at
// most MaxBatch instances, must be safe to retry, and reports progress.
// Failures of single instances are reported in the results, not as errors;
// an error return means the whole call failed and may be retried.
type Provider interface {
	// Discover lists the instances that the selector matches, reachable or
	// not (unreachable ones carry the reason).
	Discover(ctx context.Context, sel Selector) ([]Instance, error)
	// Scan looks for applicable updates on the instances.
	Scan(ctx context.Context, instanceIDs []string, progress Progress) (ScanResult, error)
	// Install installs the requested patches. Installing a patch that is
	// already installed is a no-op reported as Installed.
	Install(ctx context.Context, req InstallRequest, progress Progress) (InstallResult, error)
	// WaitReady waits until the instances are back and their agents ready
	// after a reboot, or until ctx ends; instances not back are reported
	// with Ready false.
	WaitReady(ctx context.Context, instanceIDs []string, progress Progress) ([]RebootOutcome, error)
	// Inventory reads the installed packages and versions.
	Inventory(ctx context.Context, instanceIDs []string) ([]Inventory, error)
}

// ErrTooManyInstances is returned for a call over MaxBatch instances.
var ErrTooManyInstances = errorString("fleet: more than 50 instances in one provider call")

type errorString string

func (e errorString) Error() string { return string(e) }

// ErrThrottled marks a provider error caused by the cloud's rate limiting;
// callers retry it with backoff.
var ErrThrottled = errorString("fleet: throttled by the cloud API")

// ErrPermanent marks a provider error that no retry can fix: a missing
// permission or role, a missing document, an invalid parameter. The error's
// text names the account or subscription and, for a denial, the
// permission. Callers fail at once instead of retrying.
var ErrPermanent = errorString("fleet: permanent cloud error")

type callKeyKey struct{}

// WithCallKey names the provider call made with the returned context. All
// attempts of one logical call (an activity and its retries, in any
// process) use the same key, and different calls different keys, so a
// provider whose cloud runs commands asynchronously (SSM) can find the
// command an earlier attempt started and wait for it instead of starting a
// second one.
func WithCallKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, callKeyKey{}, key)
}

// CallKey returns the key WithCallKey set, or "".
func CallKey(ctx context.Context) string {
	k, _ := ctx.Value(callKeyKey{}).(string)
	return k
}

// Package multi is a fleet.Provider that drives several clouds at once: it
// routes each call's instances to the provider of their cloud (Azure
// resource IDs start with "/subscriptions/", AWS IDs with "i-" or "mi-"),
// runs the parts in parallel and merges the results in the caller's order.
// Discover asks every provider and concatenates.
package multi

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Provider = (*Provider)(nil)

// Provider routes calls to one provider per cloud.
type Provider struct {
	clouds map[fleet.Cloud]fleet.Provider
	order  []fleet.Cloud
}

// New returns a provider over the given clouds' providers (nil ones are
// skipped).
func New(providers map[fleet.Cloud]fleet.Provider) *Provider {
	p := &Provider{clouds: map[fleet.Cloud]fleet.Provider{}}
	for c, prov := range providers {
		if prov != nil {
			p.clouds[c] = prov
			p.order = append(p.order, c)
		}
	}
	slices.Sort(p.order)
	return p
}

// CloudOf returns the cloud of an instance ID ("" when unknown).
func CloudOf(id string) fleet.Cloud {
	switch {
	case strings.HasPrefix(id, "/subscriptions/"):
		return fleet.CloudAzure
	case strings.HasPrefix(id, "i-"), strings.HasPrefix(id, "mi-"):
		return fleet.CloudAWS
	}
	return ""
}

// part is one cloud's share of a call: the positions of its IDs (of
// instances, or of snapshots for DeleteSnapshots).
type part struct {
	cloud fleet.Cloud
	prov  fleet.Provider
	idx   []int
	ids   []string
}

// split groups IDs by cloud; unknown IDs get unroutable's error.
func (p *Provider) split(ids []string) ([]*part, []int) {
	return p.splitBy(ids, func(i int) fleet.Cloud { return CloudOf(ids[i]) })
}

// splitBy groups the positions of keys (instance or snapshot IDs) by the
// cloud cloudOf gives each; the positions of clouds without a provider
// are returned apart.
func (p *Provider) splitBy(keys []string, cloudOf func(i int) fleet.Cloud) ([]*part, []int) {
	byCloud := map[fleet.Cloud]*part{}
	var parts []*part
	var unroutable []int
	for i, key := range keys {
		c := cloudOf(i)
		prov := p.clouds[c]
		if prov == nil {
			unroutable = append(unroutable, i)
			continue
		}
		pt := byCloud[c]
		if pt == nil {
			pt = &part{cloud: c, prov: prov}
			byCloud[c] = pt
			parts = append(parts, pt)
		}
		pt.idx, pt.ids = append(pt.idx, i), append(pt.ids, key)
	}
	return parts, unroutable
}

func noProvider(id string) string {
	return fmt.Sprintf("no provider for instance %s (cloud %q is not configured)", id, CloudOf(id))
}

// progress sums the parts' progress into one callback.
type progress struct {
	mu    sync.Mutex
	done  map[fleet.Cloud]int
	total int
	fn    fleet.Progress
}

func newProgress(fn fleet.Progress, total int) *progress {
	return &progress{done: map[fleet.Cloud]int{}, total: total, fn: fn}
}

func (pr *progress) of(c fleet.Cloud) fleet.Progress {
	return func(done, _ int) {
		if pr.fn == nil {
			return
		}
		pr.mu.Lock()
		pr.done[c] = done
		n := 0
		for _, d := range pr.done {
			n += d
		}
		pr.mu.Unlock()
		pr.fn(n, pr.total)
	}
}

// run calls fn for every part in parallel and returns the first error.
func run(parts []*part, fn func(*part) error) error {
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	for i, pt := range parts {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = fn(pt) }()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("%s: %w", parts[i].cloud, err)
		}
	}
	return nil
}

// DefersLivePatchedReboots reports whether the provider of the instance's
// cloud skips live-patched reboots (fleet.LivePatchDeferrer).
func (p *Provider) DefersLivePatchedReboots(instanceID string) bool {
	d, ok := p.clouds[CloudOf(instanceID)].(fleet.LivePatchDeferrer)
	return ok && d.DefersLivePatchedReboots(instanceID)
}

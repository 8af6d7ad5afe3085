package azure

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resourcegraph/armresourcegraph"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Provider = (*Provider)(nil)

// Provider implements fleet.Provider over Azure Update Manager.
type Provider struct {
	cfg   Config
	opts  *arm.ClientOptions
	graph *armresourcegraph.Client
	arc   *arm.Client

	mu  sync.Mutex
	vms map[string]*armcompute.VirtualMachinesClient
	// known caches the machines seen by Discover or an instanceView.
	known map[string]fleet.Instance
}

// New returns a provider for the targets; it makes no Azure call.
func New(cfg Config) (*Provider, error) {
	if len(cfg.Targets) == 0 {
		return nil, errors.New("azure: no target subscriptions")
	}
	cfg = cfg.withDefaults()
	if cfg.Credential == nil {
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			return nil, fmt.Errorf("azure: default credential: %w", err)
		}
		cfg.Credential = cred
	}
	opts := cfg.clientOptions()
	graph, err := armresourcegraph.NewClient(cfg.Credential, opts)
	if err != nil {
		return nil, err
	}
	arc, err := arm.NewClient("fleetpatch/hybridcompute", "v0.1.0", cfg.Credential, opts)
	if err != nil {
		return nil, err
	}
	return &Provider{cfg: cfg, opts: opts, graph: graph, arc: arc,
		vms: map[string]*armcompute.VirtualMachinesClient{}, known: map[string]fleet.Instance{}}, nil
}

// vmClient returns the VirtualMachines client of a subscription.
func (p *Provider) vmClient(sub string) (*armcompute.VirtualMachinesClient, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.vms[sub]; c != nil {
		return c, nil
	}
	c, err := armcompute.NewVirtualMachinesClient(sub, p.cfg.Credential, p.opts)
	if err != nil {
		return nil, err
	}
	p.vms[sub] = c
	return c, nil
}

// remember caches what is known of a machine.
func (p *Provider) remember(in fleet.Instance) {
	p.mu.Lock()
	p.known[strings.ToLower(in.ID)] = in
	p.mu.Unlock()
}

// lookup returns a cached machine.
func (p *Provider) lookup(id string) (fleet.Instance, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	in, ok := p.known[strings.ToLower(id)]
	return in, ok
}

// machine is a parsed Azure resource ID of a VM or an Arc machine.
type machine struct {
	ID, Sub, RG, Name string
	Arc               bool
}

// parseMachine parses a VM or Arc machine resource ID.
func parseMachine(id string) (machine, error) {
	r, err := arm.ParseResourceID(id)
	if err != nil {
		return machine{}, fmt.Errorf("not an Azure resource ID: %w", err)
	}
	m := machine{ID: id, Sub: r.SubscriptionID, RG: r.ResourceGroupName, Name: r.Name}
	switch t := strings.ToLower(r.ResourceType.String()); t {
	case "microsoft.compute/virtualmachines":
	case "microsoft.hybridcompute/machines":
		m.Arc = true
	default:
		return machine{}, fmt.Errorf("%s is a %s, not a virtual machine or an Arc machine", id, r.ResourceType)
	}
	return m, nil
}

// forEach runs fn for every ID in parallel, at most Config.Concurrency at
// once per subscription, calling progress as each finishes; fn calls beat
// while it waits (each poll of an operation), which reports the progress
// again so that the activity keeps heartbeating. IDs that do not parse are
// passed to bad.
func (p *Provider) forEach(ctx context.Context, ids []string, progress fleet.Progress,
	fn func(ctx context.Context, i int, m machine, beat func()), bad func(i int, err error)) {
	sems := map[string]chan struct{}{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	report := func(inc int) {
		mu.Lock()
		done += inc
		n := done
		mu.Unlock()
		if progress != nil {
			progress(n, len(ids))
		}
	}
	finish := func() { report(1) }
	beat := func() { report(0) }
	for i, id := range ids {
		m, err := parseMachine(id)
		if err != nil {
			bad(i, err)
			finish()
			continue
		}
		sub := strings.ToLower(m.Sub)
		sem := sems[sub]
		if sem == nil {
			sem = make(chan struct{}, p.cfg.Concurrency)
			sems[sub] = sem
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				fn(ctx, i, m, beat) // reports ctx's error for the machine
				finish()
				return
			}
			defer func() { <-sem }()
			fn(ctx, i, m, beat)
			finish()
		}()
	}
	wg.Wait()
}

// checkBatch refuses calls over fleet.MaxBatch machines.
func checkBatch(op string, n int) error {
	if n > fleet.MaxBatch {
		return fmt.Errorf("azure: %s of %d machines: %w", op, n, fleet.ErrTooManyInstances)
	}
	return nil
}

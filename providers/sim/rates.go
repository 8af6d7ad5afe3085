package sim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/time/rate"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Rates make the simulated clouds pace API calls as the real ones do, per
// scope: on AWS one call per account and region of a batch (SSM sends one
// command to a batch's instances of an account and region), on Azure one
// call per VM against its subscription's buckets: assessPatches and
// installPatches are POST actions, charged to the write bucket; the
// instanceView that WaitReady reads is a GET, charged to the read bucket.
// Zero rates mean no limit.
type Rates struct {
	AWSPerSecond       float64
	AWSBurst           int
	AzurePerSecond     float64
	AzureBurst         int
	AzureReadPerSecond float64
	AzureReadBurst     int
}

// DefaultRates are the providers' own defaults: the AWS provider's 10
// requests a second per account and region, and Azure Resource Manager's
// buckets per subscription (writes 200, refilled at 10 a second; reads
// 250, refilled at 25 a second; see providers/azure/ratelimit.go).
var DefaultRates = Rates{AWSPerSecond: 10, AWSBurst: 10, AzurePerSecond: 10, AzureBurst: 200, AzureReadPerSecond: 25, AzureReadBurst: 250}

// callKind says which Azure bucket a call takes its tokens from.
type callKind int

const (
	azureWrite callKind = iota
	azureRead
)

// pacer holds the token buckets by scope.
type pacer struct {
	r       Rates
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// SetRates turns the per-scope pacing on (or off, with zero Rates).
func (p *Provider) SetRates(r Rates) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.pacer = &pacer{r: r, buckets: map[string]*rate.Limiter{}}
}

func (pc *pacer) bucket(scope string, perSecond float64, burst int) *rate.Limiter {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	b, ok := pc.buckets[scope]
	if !ok {
		b = rate.NewLimiter(rate.Limit(perSecond), max(burst, 1))
		pc.buckets[scope] = b
	}
	return b
}

// pace waits for the tokens a call over ids takes, scope by scope in a
// fixed order, or returns the context's error.
func (p *Provider) pace(ctx context.Context, ids []string, kind callKind) error {
	p.mu.Lock()
	pc := p.pacer
	p.mu.Unlock()
	if pc == nil {
		return nil
	}
	need := map[string]int{}
	for _, id := range ids {
		in, ok := p.fleet.Instance(id)
		if !ok {
			continue
		}
		switch {
		case in.Cloud == fleet.CloudAzure && kind == azureRead && pc.r.AzureReadPerSecond > 0:
			need["azure-read|"+in.Account]++
		case in.Cloud == fleet.CloudAzure && kind == azureWrite && pc.r.AzurePerSecond > 0:
			need["azure|"+in.Account]++
		case in.Cloud != fleet.CloudAzure && pc.r.AWSPerSecond > 0:
			need["aws|"+in.Account+"|"+in.Region] = 1
		}
	}
	scopes := make([]string, 0, len(need))
	for s := range need {
		scopes = append(scopes, s)
	}
	slices.Sort(scopes)
	for _, s := range scopes {
		perSecond, burst := pc.r.AWSPerSecond, pc.r.AWSBurst
		switch {
		case strings.HasPrefix(s, "azure|"):
			perSecond, burst = pc.r.AzurePerSecond, pc.r.AzureBurst
		case strings.HasPrefix(s, "azure-read|"):
			perSecond, burst = pc.r.AzureReadPerSecond, pc.r.AzureReadBurst
		}
		if err := pc.bucket(s, perSecond, burst).WaitN(ctx, need[s]); err != nil {
			return fmt.Errorf("sim: %s API rate: %w", s, err)
		}
	}
	return nil
}

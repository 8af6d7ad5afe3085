package azure

import (
	"net/http"
	"regexp"
	"strings"
	"sync"

	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"golang.org/x/time/rate"

	"github.com/fleetpatch/fleetpatch/policy"
)

// Azure Resource Manager's throttling limits per subscription, as token
// buckets: reads 250 with 25 a second, writes 200 with 10 a second, and
// deletes a bucket of their own of 200 with 10 a second, applied per
// subscription, per service principal and per operation type, in each
// region (global subscription limits across principals are 15 times
// these) ("Understand how Azure Resource Manager throttles requests",
// https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling,
// "Regional throttling and token bucket algorithm"). The provider paces
// itself below them instead of meeting 429s; a subscription's
// targets.azure[].rates replace them for that subscription.
const (
	DefaultReadRate   = 25
	DefaultReadBurst  = 250
	DefaultWriteRate  = 10
	DefaultWriteBurst = 200
)

// subscriptionOf captures a request path's subscription.
var subscriptionOf = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)`)

// armLimits paces the requests of each subscription with one bucket for
// reads (GET, HEAD) and one for writes (everything else, deletes
// included), as ARM counts them. Requests without a subscription in the
// path (Resource Graph queries, the tenant) are counted under "". A
// subscription's buckets are its own rates (per, by lower-case ID), each
// zero field taking the provider-wide default.
type armLimits struct {
	read, write rate.Limit
	rb, wb      int
	per         map[string]policy.AzureRates

	mu      sync.Mutex
	buckets map[string][2]*rate.Limiter
}

// newARMLimits returns the buckets of the subscriptions: the targets' own
// rates, and the given defaults for the rest.
func newARMLimits(readRate float64, readBurst int, writeRate float64, writeBurst int, targets []policy.AzureSubscription) *armLimits {
	l := &armLimits{read: rate.Limit(readRate), rb: readBurst, write: rate.Limit(writeRate), wb: writeBurst,
		per: map[string]policy.AzureRates{}, buckets: map[string][2]*rate.Limiter{}}
	for _, t := range targets {
		l.per[strings.ToLower(t.ID)] = t.Rates
	}
	return l
}

// bucket returns a new bucket at lim, each zero field taking r or b.
func bucket(lim policy.RateLimit, r rate.Limit, b int) *rate.Limiter {
	if lim.PerSecond > 0 {
		r = rate.Limit(lim.PerSecond)
	}
	if lim.Burst > 0 {
		b = lim.Burst
	}
	return rate.NewLimiter(r, b)
}

// limiter returns the read or write bucket of a subscription (lower
// case), made on first use.
func (l *armLimits) limiter(sub string, write bool) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[sub]
	if !ok {
		r := l.per[sub]
		b = [2]*rate.Limiter{bucket(r.ARMReads, l.read, l.rb), bucket(r.ARMWrites, l.write, l.wb)}
		l.buckets[sub] = b
	}
	if write {
		return b[1]
	}
	return b[0]
}

// Do implements azpolicy.Policy: it waits for a token of the request's
// subscription and kind (every attempt, retries included), or fails with
// the context's error.
func (l *armLimits) Do(req *azpolicy.Request) (*http.Response, error) {
	r := req.Raw()
	sub := ""
	if m := subscriptionOf.FindStringSubmatch(r.URL.Path); m != nil {
		sub = strings.ToLower(m[1])
	}
	write := r.Method != http.MethodGet && r.Method != http.MethodHead
	if err := l.limiter(sub, write).Wait(r.Context()); err != nil {
		return nil, err
	}
	return req.Next()
}

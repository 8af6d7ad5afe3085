package azure

import (
	"net/http"
	"regexp"
	"strings"
	"sync"

	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"golang.org/x/time/rate"
)

// Azure Resource Manager's throttling limits per subscription (and
// principal and region), as token buckets: reads 250 with 25 a second,
// writes and deletes 200 with 10 a second ("Understand how Azure Resource
// Manager throttles requests", learn.microsoft.com/azure/azure-resource-
// manager/management/request-limits-and-throttling, regional token bucket
// limits). The provider paces itself below them instead of meeting 429s.
const (
	DefaultReadRate   = 25
	DefaultReadBurst  = 250
	DefaultWriteRate  = 10
	DefaultWriteBurst = 200
)

// subscriptionOf captures a request path's subscription.
var subscriptionOf = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)`)

// armLimits paces the requests of each subscription with one bucket for
// reads (GET, HEAD) and one for writes (everything else), as ARM counts
// them. Requests without a subscription in the path (Resource Graph
// queries, the tenant) are counted under "".
type armLimits struct {
	read, write rate.Limit
	rb, wb      int

	mu      sync.Mutex
	buckets map[string][2]*rate.Limiter
}

func newARMLimits(readRate float64, readBurst int, writeRate float64, writeBurst int) *armLimits {
	return &armLimits{read: rate.Limit(readRate), rb: readBurst, write: rate.Limit(writeRate), wb: writeBurst,
		buckets: map[string][2]*rate.Limiter{}}
}

func (l *armLimits) limiter(sub string, write bool) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[sub]
	if !ok {
		b = [2]*rate.Limiter{rate.NewLimiter(l.read, l.rb), rate.NewLimiter(l.write, l.wb)}
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

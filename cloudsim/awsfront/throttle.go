package awsfront

import (
	"sync"

	"golang.org/x/time/rate"
)

// Throttle is injected throttling of SSM calls: the calls it picks are
// answered with ThrottlingException (HTTP 400, "Rate exceeded"), as AWS
// answers calls over an API's rate.
type Throttle struct {
	// Every throttles every Nth SSM call (counted over all accounts).
	Every int
	// Rate and Burst throttle the calls of one account and region above
	// Rate per second (a token bucket of Burst, at least 1); 0 means no limit.
	Rate  float64
	Burst int
}

// throttler applies a Throttle.
type throttler struct {
	mu       sync.Mutex
	cfg      Throttle
	n        int
	limiters map[string]*rate.Limiter
}

func (t *throttler) set(cfg Throttle) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cfg, t.n, t.limiters = cfg, 0, map[string]*rate.Limiter{}
}

// throttled reports whether this call of the account and region is
// throttled.
func (t *throttler) throttled(account, region string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.n++
	if t.cfg.Every > 0 && t.n%t.cfg.Every == 0 {
		return true
	}
	if t.cfg.Rate <= 0 {
		return false
	}
	key := account + "/" + region
	l := t.limiters[key]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(t.cfg.Rate), max(t.cfg.Burst, 1))
		t.limiters[key] = l
	}
	return !l.Allow()
}

// SetThrottle replaces the injected throttling.
func (s *Server) SetThrottle(t Throttle) { s.throttle.set(t) }

package webuitest

import (
	"context"
	"time"

	"github.com/chromedp/chromedp"
)

// pollInterval is how often waitFor evaluates its expression.
const pollInterval = 50 * time.Millisecond

// waitFor evaluates the JavaScript expression in the page until done accepts
// its value, and returns that value. When ctx ends first it returns the last
// value it saw, so that the caller can say what the page showed instead.
func waitFor[T any](ctx context.Context, expression string, done func(T) bool) (T, error) {
	var last T
	for {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression))
		if err == nil {
			if done(v) {
				return v, nil
			}
			last = v
		}
		select {
		case <-ctx.Done():
			return last, context.Cause(ctx)
		case <-time.After(pollInterval):
		}
	}
}

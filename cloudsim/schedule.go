package cloudsim

import (
	"context"
	"slices"
	"time"
)

// step is one instance's piece of a batch operation, due at a simulated
// time. The instances of a batch work in parallel, so a batch is a list of
// steps run in time order by one goroutine.
type step struct {
	at    time.Time
	index int // position in the request
}

// runSteps waits for each step's time in order and runs do for it, calling
// progress after each. It stops when ctx ends and returns how many steps
// ran and ctx's error.
func (f *Fleet) runSteps(ctx context.Context, steps []step, do func(index int, now time.Time), progress func(done, total int)) (int, error) {
	slices.SortStableFunc(steps, func(a, b step) int { return a.at.Compare(b.at) })
	for n, s := range steps {
		if err := sleepUntil(ctx, f.clock, s.at); err != nil {
			return n, err
		}
		do(s.index, f.clock.Now())
		if progress != nil {
			progress(n+1, len(steps))
		}
	}
	return len(steps), nil
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

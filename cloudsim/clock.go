package cloudsim

import (
	"context"
	"sync"
	"time"
)

// Clock is the fleet's simulated time. Operations read Now and wait with
// Sleep, so the same fleet runs in real time for demos, sped up, or in
// test-controlled time.
type Clock interface {
	// Now returns the current simulated time.
	Now() time.Time
	// Sleep waits for d of simulated time, or until ctx ends (then it
	// returns ctx.Err()). A non-positive d returns at once.
	Sleep(ctx context.Context, d time.Duration) error
}

// untilSleeper is a Clock that can wait for an absolute time itself;
// VirtualClock uses it so that concurrent sleepers do not add up.
type untilSleeper interface {
	SleepUntil(ctx context.Context, t time.Time) error
}

// sleepUntil waits on c until simulated time t.
func sleepUntil(ctx context.Context, c Clock, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if u, ok := c.(untilSleeper); ok {
		return u.SleepUntil(ctx, t)
	}
	return c.Sleep(ctx, t.Sub(c.Now()))
}

// RealClock runs simulated time at Speed times the wall clock, from a
// chosen start.
type RealClock struct {
	start     time.Time
	realStart time.Time
	speed     float64
}

// NewRealClock returns a clock reading start now and advancing speed
// simulated seconds per wall-clock second (speed <= 0 means 1).
func NewRealClock(start time.Time, speed float64) *RealClock {
	if speed <= 0 {
		speed = 1
	}
	return &RealClock{start: start, realStart: time.Now(), speed: speed}
}

// Now returns the simulated time.
func (c *RealClock) Now() time.Time {
	return c.start.Add(time.Duration(float64(time.Since(c.realStart)) * c.speed))
}

// Speed returns the speed-up factor.
func (c *RealClock) Speed() float64 { return c.speed }

// Sleep waits d/Speed of wall-clock time.
func (c *RealClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(time.Duration(float64(d) / c.speed))
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ManualClock is moved only by Advance and Set; Sleep blocks until the
// clock has been moved past the wake-up time. Tests use it to stop an
// operation at a chosen point.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []manualWaiter
}

type manualWaiter struct {
	until time.Time
	wake  chan struct{}
}

// NewManualClock returns a clock standing at start.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{now: start} }

// Now returns the clock's time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d and wakes the sleepers that are due.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.setLocked(c.now.Add(d))
}

// Set moves the clock to t (never backwards) and wakes the sleepers due.
func (c *ManualClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.setLocked(t)
	}
}

func (c *ManualClock) setLocked(t time.Time) {
	c.now = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.until.After(t) {
			close(w.wake)
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// Sleepers returns how many Sleep calls are blocked now.
func (c *ManualClock) Sleepers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// Sleep blocks until the clock reaches Now()+d or ctx ends.
func (c *ManualClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	c.mu.Lock()
	w := manualWaiter{until: c.now.Add(d), wake: make(chan struct{})}
	c.waiters = append(c.waiters, w)
	c.mu.Unlock()
	select {
	case <-w.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		for i, x := range c.waiters {
			if x.wake == w.wake {
				c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
				break
			}
		}
		c.mu.Unlock()
		return ctx.Err()
	}
}

// VirtualClock is simulated time that never waits: Sleep moves the clock
// forward to the wake-up time (if it is not already past it) and returns at
// once. Tests use it to run long simulated operations instantly while still
// observing simulated durations through Now.
type VirtualClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewVirtualClock returns a virtual clock standing at start.
func NewVirtualClock(start time.Time) *VirtualClock { return &VirtualClock{now: start} }

// Now returns the clock's time.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *VirtualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Sleep moves the clock forward by d and returns at once, unless ctx has
// already ended.
func (c *VirtualClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d > 0 {
		c.Advance(d)
	}
	return nil
}

// SleepUntil moves the clock to t if it is behind and returns at once, so
// that concurrent sleepers waiting for the same time move it only once.
func (c *VirtualClock) SleepUntil(ctx context.Context, t time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.now) {
		c.now = t
	}
	return nil
}

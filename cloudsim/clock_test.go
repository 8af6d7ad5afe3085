package cloudsim_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
)

func TestRealClockRunsFasterBySpeed(t *testing.T) {
	c := cloudsim.NewRealClock(t0, 60_000)
	require.NoError(t, c.Sleep(context.Background(), time.Minute))
	assert.False(t, c.Now().Before(t0.Add(time.Minute)))

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, c.Sleep(ctx, time.Hour), context.Canceled)
}

func TestManualClockWakesSleepersWhenAdvanced(t *testing.T) {
	c := cloudsim.NewManualClock(t0)
	done := make(chan error)
	go func() { done <- c.Sleep(context.Background(), time.Hour) }()
	waitSleepers(t, c, 1)
	c.Advance(59 * time.Minute)
	assert.Equal(t, 1, c.Sleepers())
	c.Set(t0.Add(time.Hour))
	require.NoError(t, <-done)
	assert.Equal(t, 0, c.Sleepers())

	ctx, cancel := context.WithCancel(context.Background())
	go func() { done <- c.Sleep(ctx, time.Hour) }()
	waitSleepers(t, c, 1)
	cancel()
	assert.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, 0, c.Sleepers())
}

func TestVirtualClockSleepsMoveTimeWithoutWaiting(t *testing.T) {
	c := cloudsim.NewVirtualClock(t0)
	require.NoError(t, c.Sleep(context.Background(), 3*time.Hour))
	assert.Equal(t, t0.Add(3*time.Hour), c.Now())
	require.NoError(t, c.SleepUntil(context.Background(), t0.Add(time.Hour)))
	assert.Equal(t, t0.Add(3*time.Hour), c.Now(), "never backwards")
}

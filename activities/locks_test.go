package activities

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRolloutLockIsHeldByOneRunAtATime(t *testing.T) {
	ctx := context.Background()
	now := testNow
	a := &Activities{Store: DirStore{Root: t.TempDir()}, Now: func() time.Time { return now }}
	w48 := Run{Group: "g", Cycle: "2026-W48", ID: "run-48"}
	w49 := Run{Group: "g", Cycle: "2026-W49", ID: "run-49"}
	other := Run{Group: "h", Cycle: "2026-W49", ID: "run-h"}

	l, err := a.AcquireRolloutLock(ctx, RolloutLockInput{Run: w48, Until: now.Add(time.Hour)})
	require.NoError(t, err)
	require.True(t, l.Acquired)
	l, err = a.AcquireRolloutLock(ctx, RolloutLockInput{Run: w48, Until: now.Add(2 * time.Hour)})
	require.NoError(t, err)
	require.True(t, l.Acquired, "taking it again is idempotent")

	l, err = a.AcquireRolloutLock(ctx, RolloutLockInput{Run: w49, Until: now.Add(time.Hour)})
	require.NoError(t, err)
	require.False(t, l.Acquired)
	require.Equal(t, "g/2026-W48/run-48", l.Holder)
	l, err = a.AcquireRolloutLock(ctx, RolloutLockInput{Run: other, Until: now.Add(time.Hour)})
	require.NoError(t, err)
	require.True(t, l.Acquired, "another group's lock is its own")

	require.NoError(t, a.ReleaseRolloutLock(ctx, w49), "releasing a lock one does not hold changes nothing")
	l, _ = a.AcquireRolloutLock(ctx, RolloutLockInput{Run: w49, Until: now.Add(time.Hour)})
	require.False(t, l.Acquired)

	// A holder that died: its lock lapses at Until.
	now = now.Add(3 * time.Hour)
	l, err = a.AcquireRolloutLock(ctx, RolloutLockInput{Run: w49, Until: now.Add(time.Hour)})
	require.NoError(t, err)
	require.True(t, l.Acquired)
	require.NoError(t, a.ReleaseRolloutLock(ctx, w49))
	l, _ = a.AcquireRolloutLock(ctx, RolloutLockInput{Run: w48, Until: now.Add(time.Hour)})
	require.True(t, l.Acquired, "released")
}

func TestHostLocksAreAllOrNothing(t *testing.T) {
	ctx := context.Background()
	a := &Activities{Store: DirStore{Root: t.TempDir()}, Now: func() time.Time { return testNow }}
	until := testNow.Add(time.Hour)
	require.NoError(t, a.lockHosts(ctx, "batch-a", []string{"i-1", "/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/virtualMachines/v"}, until))
	err := a.lockHosts(ctx, "batch-b", []string{"i-2", "i-1"}, until)
	require.ErrorContains(t, err, "instance i-1 is in another running install batch (batch-a)")
	// i-2 was released again when i-1 was busy.
	require.NoError(t, a.lockHosts(ctx, "batch-c", []string{"i-2"}, until))
	require.NoError(t, a.unlockHosts(ctx, "batch-a", []string{"i-1"}))
	require.NoError(t, a.lockHosts(ctx, "batch-b", []string{"i-1"}, until))
}

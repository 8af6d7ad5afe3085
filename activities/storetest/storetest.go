// Package storetest is the contract every artifact store (activities.Store)
// keeps, as one test suite that each implementation runs against its real
// backend: a directory, the AWS emulator's S3, s3rver, Azurite.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/activities"
)

// Run checks the whole contract on stores that newStore returns; each call
// must return an empty store (a new prefix or container is enough).
func Run(t *testing.T, newStore func(t *testing.T) activities.Store) {
	Basic(t, newStore)
	t.Run("CreateHasOneWinner", func(t *testing.T) { createOneWinner(t, newStore(t)) })
}

// Basic checks all but conditional creates: for backends that do not
// honour them, which a store must then refuse to run on.
func Basic(t *testing.T, newStore func(t *testing.T) activities.Store) {
	t.Run("PutGetOverwrite", func(t *testing.T) { putGetOverwrite(t, newStore(t)) })
	t.Run("MissingKeys", func(t *testing.T) { missingKeys(t, newStore(t)) })
	t.Run("ListIsSortedAndPrefixed", func(t *testing.T) { listSortedPrefixed(t, newStore(t)) })
}

func putGetOverwrite(t *testing.T, s activities.Store) {
	ctx := context.Background()
	key := "cycles/prod-auto/2026-W49/run-1/manifest.json"
	require.NoError(t, s.Put(ctx, key, []byte(`{"v":1}`)))
	b, err := s.Get(ctx, key)
	require.NoError(t, err)
	require.Equal(t, `{"v":1}`, string(b))
	require.NoError(t, s.Put(ctx, key, []byte(`{"v":2}`)), "Put overwrites")
	b, err = s.Get(ctx, key)
	require.NoError(t, err)
	require.Equal(t, `{"v":2}`, string(b))
	require.NoError(t, s.Put(ctx, "cycles/empty", nil), "an empty object is an object")
	b, err = s.Get(ctx, "cycles/empty")
	require.NoError(t, err)
	require.Empty(t, b)
}

func missingKeys(t *testing.T, s activities.Store) {
	ctx := context.Background()
	_, err := s.Get(ctx, "cycles/none/2026-W49/run-1/manifest.json")
	require.ErrorIs(t, err, activities.ErrNotFound)
	require.NoError(t, s.Delete(ctx, "cycles/none/2026-W49/run-1/manifest.json"), "deleting a missing key is not an error")
	keys, err := s.List(ctx, "cycles/none/")
	require.NoError(t, err)
	require.Empty(t, keys)

	require.NoError(t, s.Put(ctx, "cycles/gone", []byte("x")))
	require.NoError(t, s.Delete(ctx, "cycles/gone"))
	_, err = s.Get(ctx, "cycles/gone")
	require.ErrorIs(t, err, activities.ErrNotFound, "a deleted key is gone")
}

func listSortedPrefixed(t *testing.T, s activities.Store) {
	ctx := context.Background()
	for _, k := range []string{"cycles/b/2026-W49/r/scan/0002.json", "cycles/b/2026-W49/r/scan/0000.json", "cycles/b/2026-W49/r/plan.json",
		"cycles/b/2026-W49/r/scan/0001.json", "cycles/c/2026-W49/r/scan/0000.json", "locks/b"} {
		require.NoError(t, s.Put(ctx, k, []byte(k)))
	}
	keys, err := s.List(ctx, "cycles/b/")
	require.NoError(t, err)
	require.Equal(t, []string{"cycles/b/2026-W49/r/plan.json", "cycles/b/2026-W49/r/scan/0000.json",
		"cycles/b/2026-W49/r/scan/0001.json", "cycles/b/2026-W49/r/scan/0002.json"}, keys)
	keys, err = s.List(ctx, "cycles/b/2026-W49/r/scan/")
	require.NoError(t, err)
	require.Len(t, keys, 3)
	for _, k := range keys {
		b, err := s.Get(ctx, k)
		require.NoError(t, err)
		require.Equal(t, k, string(b), "a listed key reads back as itself")
	}
}

// createOneWinner races eight creates of one key: exactly one wins, the
// others get ErrExists, and the winner's data stays.
func createOneWinner(t *testing.T, s activities.Store) {
	ctx := context.Background()
	const racers = 8
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Create(ctx, "locks/hosts/i-0abc", []byte(fmt.Sprintf("holder-%d", i)))
		}()
	}
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			require.Equal(t, -1, winner, "two creates of one key both succeeded (%d and %d)", winner, i)
			winner = i
		case !errors.Is(err, activities.ErrExists):
			t.Fatalf("create %d: %v, want nil or ErrExists", i, err)
		}
	}
	require.NotEqual(t, -1, winner, "no create won")
	b, err := s.Get(ctx, "locks/hosts/i-0abc")
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("holder-%d", winner), string(b))
	require.ErrorIs(t, s.Create(ctx, "locks/hosts/i-0abc", []byte("late")), activities.ErrExists)
	require.NoError(t, s.Delete(ctx, "locks/hosts/i-0abc"))
	require.NoError(t, s.Create(ctx, "locks/hosts/i-0abc", []byte("after")), "a deleted key can be created again")
}

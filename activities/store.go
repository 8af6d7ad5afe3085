package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrNotFound is returned by Store.Get for a key that was never written.
var ErrNotFound = errors.New("artifact not found")

// Store keeps a cycle's artifacts. Keys are slash-separated paths such as
// "cycles/prod-auto/2026-W48/scan/0003.json". Put overwrites atomically: a
// reader sees the old or the new object, never a torn one. Every worker of a
// deployment must share the same Store.
type Store interface {
	Put(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
	// List returns the keys under prefix, sorted.
	List(ctx context.Context, prefix string) ([]string, error)
	// Create writes data under key only if key does not exist yet, as one
	// atomic step; it returns ErrExists otherwise. Locks use it.
	Create(ctx context.Context, key string, data []byte) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// ErrExists is returned by Store.Create for a key that exists.
var ErrExists = errors.New("artifact exists")

// putJSON writes v as JSON under key.
func putJSON(ctx context.Context, s Store, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return s.Put(ctx, key, b)
}

// getJSON reads key into v; found is false when the key does not exist.
func getJSON(ctx context.Context, s Store, key string, v any) (found bool, err error) {
	b, err := s.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("decode %s: %w", key, err)
	}
	return true, nil
}

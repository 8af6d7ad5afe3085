package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
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

// ErrDamaged says an artifact exists but cannot be read as it was written:
// a checksum that does not match, or bytes that do not decode. Reading it
// again does not help. An artifact that can be computed again (a batch's
// scan or verification) is rebuilt; any other fails its activity with a
// retryable error that names it (type ErrArtifactDamaged).
var ErrDamaged = errors.New("artifact damaged")

// Error types of artifacts that cannot be read: retryable (an operator may
// restore the object, or a store outage may end), and after the activity's
// retries the run fails; a failed week's cycle can be started again.
const (
	ErrArtifactDamaged = "ArtifactDamaged"
	ErrArtifactLost    = "ArtifactLost"
)

// damagedArtifact is the error of an artifact that cannot be rebuilt.
func damagedArtifact(err error) error {
	return temporal.NewApplicationErrorWithCause(fmt.Sprintf("%v; unless it can be computed again, restore the object "+
		"from the store's versioning or backups, or start the cycle again", err), ErrArtifactDamaged, err)
}

// lostArtifact is the error of an artifact that an earlier step stored and
// that is gone (deleted, or a worker that does not share the store).
func lostArtifact(key string) error {
	return temporal.NewApplicationError(fmt.Sprintf("artifact %s is missing: an earlier step of the run stored it "+
		"(was it deleted, or does every worker use the same --store?); start the cycle again", key), ErrArtifactLost)
}

// putJSON writes v as JSON under key.
func putJSON(ctx context.Context, s Store, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return s.Put(ctx, key, b)
}

// getJSON reads key into v; found is false when the key does not exist.
// A damaged artifact is a damagedArtifact error (errors.Is ErrDamaged),
// which the steps that can compute the artifact again catch.
func getJSON(ctx context.Context, s Store, key string, v any) (found bool, err error) {
	b, err := s.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if errors.Is(err, ErrDamaged) {
		return false, damagedArtifact(err)
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, damagedArtifact(fmt.Errorf("artifact %s does not decode (%v): %w", key, err, ErrDamaged))
	}
	return true, nil
}

// warnRebuild logs, inside an activity, that a damaged artifact is being
// computed again.
func warnRebuild(ctx context.Context, err error) {
	if activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Warn("rebuilding a damaged artifact", "error", err)
	}
}

// Checksum is the hex SHA-256 that the object stores keep in an object's
// metadata.
func Checksum(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// VerifyChecksum returns an error wrapping ErrDamaged, naming where, when
// want (the stored checksum) is not data's.
func VerifyChecksum(where, want string, data []byte) error {
	if want != Checksum(data) {
		return fmt.Errorf("read %s: checksum %q does not match the content (damaged or written by another tool): %w", where, want, ErrDamaged)
	}
	return nil
}

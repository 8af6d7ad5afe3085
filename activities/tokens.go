package activities

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Tokens is a small key/value view of the artifact store for state that a
// provider must find again on whichever worker retries its activity: the
// Azure provider's installPatches resume tokens (it satisfies
// providers/azure.ResumeStore). Keeping them in the shared store, not in a
// worker's own directory, is what lets a retry on another worker resume an
// install instead of starting a second one.
//
// A key is "<run key>|<name>", the run key being Run.Key of the cycle
// ("group/2026-W49/<run ID>", as install requests carry it); its token is
// kept under that run's artifacts, as <run prefix>/<Dir>/<SHA-256 of the
// name>, so the artifact retention removes it with the run.
type Tokens struct {
	Store Store
	Dir   string // such as "azure-operations"
}

func (t Tokens) object(key string) (string, error) {
	scope, name, ok := strings.Cut(key, "|")
	parts := strings.Split(scope, "/")
	if !ok || len(parts) != 3 {
		return "", fmt.Errorf("token key %q is not <group>/<cycle>/<run ID>|<name>", key)
	}
	run := Run{Group: parts[0], Cycle: parts[1], ID: parts[2]}
	if err := run.Validate(); err != nil {
		return "", fmt.Errorf("token key %q: %w", key, err)
	}
	h := sha256.Sum256([]byte(name))
	return run.Prefix() + "/" + t.Dir + "/" + hex.EncodeToString(h[:]), nil
}

// Load returns the token saved under key, if any.
func (t Tokens) Load(ctx context.Context, key string) (string, bool, error) {
	obj, err := t.object(key)
	if err != nil {
		return "", false, err
	}
	b, err := t.Store.Get(ctx, obj)
	if errors.Is(err, ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return string(b), true, nil
}

// Save saves token under key, replacing any.
func (t Tokens) Save(ctx context.Context, key, token string) error {
	obj, err := t.object(key)
	if err != nil {
		return err
	}
	return t.Store.Put(ctx, obj, []byte(token))
}

// Delete forgets key.
func (t Tokens) Delete(ctx context.Context, key string) error {
	obj, err := t.object(key)
	if err != nil {
		return err
	}
	return t.Store.Delete(ctx, obj)
}

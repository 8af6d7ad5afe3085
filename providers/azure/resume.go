package azure

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
)

// ResumeStore keeps the resume tokens of running installPatches operations
// by key (cycle and machine), so that a retried Install resumes polling the
// operation instead of starting a second one. Every worker of a deployment
// must share it, like the activities' artifact store.
type ResumeStore interface {
	// Load returns the token saved under key, if any.
	Load(ctx context.Context, key string) (token string, ok bool, err error)
	// Save saves the token under key, replacing any.
	Save(ctx context.Context, key, token string) error
	// Delete forgets key.
	Delete(ctx context.Context, key string) error
}

// resumeKey is the key of one machine's install in one cycle.
func resumeKey(cycleID, machineID string) string { return cycleID + "|" + machineID }

// MemoryResumeStore is a ResumeStore in memory (tests, single process).
type MemoryResumeStore struct {
	mu sync.Mutex
	m  map[string]string
}

// NewMemoryResumeStore returns an empty store.
func NewMemoryResumeStore() *MemoryResumeStore { return &MemoryResumeStore{m: map[string]string{}} }

// Load implements ResumeStore.
func (s *MemoryResumeStore) Load(_ context.Context, key string) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[key]
	return t, ok, nil
}

// Save implements ResumeStore.
func (s *MemoryResumeStore) Save(_ context.Context, key, token string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = token
	return nil
}

// Delete implements ResumeStore.
func (s *MemoryResumeStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// Len returns the number of tokens kept.
func (s *MemoryResumeStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}

// DirResumeStore is a ResumeStore of one file per key in a directory
// (file names are the SHA-256 of the key); writes are atomic renames.
type DirResumeStore struct{ Dir string }

func (s DirResumeStore) path(key string) string {
	h := sha256.Sum256([]byte(key))
	return filepath.Join(s.Dir, hex.EncodeToString(h[:])+".token")
}

// Load implements ResumeStore.
func (s DirResumeStore) Load(_ context.Context, key string) (string, bool, error) {
	b, err := os.ReadFile(s.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	return string(b), err == nil, err
}

// Save implements ResumeStore.
func (s DirResumeStore) Save(_ context.Context, key, token string) error {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(s.Dir, ".token-*")
	if err != nil {
		return err
	}
	if _, err := f.WriteString(token); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), s.path(key))
}

// Delete implements ResumeStore.
func (s DirResumeStore) Delete(_ context.Context, key string) error {
	err := os.Remove(s.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

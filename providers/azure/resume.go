package azure

import (
	"context"
	"sync"
)

// ResumeStore keeps the resume tokens of running installPatches operations
// by key (cycle and machine), so that a retried Install resumes polling the
// operation instead of starting a second one. Every worker of a deployment
// must share it: the worker keeps it in the artifact store
// (activities.Tokens).
type ResumeStore interface {
	// Load returns the token saved under key, if any.
	Load(ctx context.Context, key string) (token string, ok bool, err error)
	// Save saves the token under key, replacing any.
	Save(ctx context.Context, key, token string) error
	// Delete forgets key.
	Delete(ctx context.Context, key string) error
}

// ResumeDir names the resume tokens' folder in each run's artifacts, in the
// shared artifact store (the worker and the dev stack use it).
const ResumeDir = "azure-operations"

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

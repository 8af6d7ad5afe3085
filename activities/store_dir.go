package activities

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// DirStore is a Store in a local directory: the dev stack's default, and
// fine for one worker host. A deployment with several worker hosts needs a
// shared store.
type DirStore struct {
	Root string
}

func (d DirStore) path(key string) (string, error) {
	clean := filepath.Clean(filepath.FromSlash(key))
	if clean == "." || filepath.IsAbs(clean) || strings.HasPrefix(clean, "..") {
		return "", fmt.Errorf("artifact key %q is not a relative path", key)
	}
	return filepath.Join(d.Root, clean), nil
}

// Put writes data under key through a temporary file that is synced,
// renamed into place and made durable by syncing its directory, so a crash
// leaves the old content or the new one, never an empty or torn file.
func (d DirStore) Put(_ context.Context, key string, data []byte) error {
	p, tmp, err := d.stage(key, data)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", key, err)
	}
	return syncDir(filepath.Dir(p), key)
}

// syncDir flushes dir's entries (a rename or link in it) to disk.
func syncDir(dir, key string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: sync directory: %w", key, err)
	}
	return nil
}

// stage writes data to a temporary file beside key's path and returns
// both paths.
func (d DirStore) stage(key string, data []byte) (path, tmp string, err error) {
	p, err := d.path(key)
	if err != nil {
		return "", "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", "", err
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return "", "", err
	}
	_, werr := f.Write(data)
	if err := errors.Join(werr, f.Sync(), f.Close()); err != nil {
		os.Remove(f.Name())
		return "", "", fmt.Errorf("write %s: %w", key, err)
	}
	return p, f.Name(), nil
}

// Create writes data to a temporary file and links it under key, which
// fails if key exists: exclusive and atomic on one file system.
func (d DirStore) Create(_ context.Context, key string, data []byte) error {
	p, tmp, err := d.stage(key, data)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, p); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w", key, ErrExists)
		}
		return fmt.Errorf("write %s: %w", key, err)
	}
	return syncDir(filepath.Dir(p), key)
}

// Delete removes key.
func (d DirStore) Delete(_ context.Context, key string) error {
	p, err := d.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// Get reads key; it returns ErrNotFound when there is none.
func (d DirStore) Get(_ context.Context, key string) ([]byte, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	return b, err
}

// List returns the keys under prefix, sorted.
func (d DirStore) List(_ context.Context, prefix string) ([]string, error) {
	p, err := d.path(prefix)
	if err != nil {
		return nil, err
	}
	var keys []string
	err = filepath.WalkDir(p, func(path string, e fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".tmp-") {
			return nil
		}
		rel, err := filepath.Rel(d.Root, path)
		if err != nil {
			return err
		}
		keys = append(keys, filepath.ToSlash(rel))
		return nil
	})
	sort.Strings(keys)
	return keys, err
}

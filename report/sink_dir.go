package report

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// DirSink stores objects as files under a local directory; a key's
// slashes become subdirectories. Each file is written to a temporary file
// and renamed, so a reader never sees a torn report.
type DirSink struct {
	Root string
}

// Put writes the object to Root/key.
func (d DirSink) Put(ctx context.Context, key, _ string, render func(io.Writer) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	rel := filepath.FromSlash(key)
	if !filepath.IsLocal(rel) {
		return fmt.Errorf("key %q is not a relative path inside the directory", key)
	}
	p := filepath.Join(d.Root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return writeFile(p, render)
}

func (d DirSink) String() string {
	return "file://" + strings.TrimSuffix(filepath.ToSlash(d.Root), "/")
}

func writeFile(path string, render func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(tmp, 64<<10)
	err = errors.Join(render(bw), bw.Flush(), tmp.Close())
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}

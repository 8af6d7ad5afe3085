package sim

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim"
)

// Open loads the simulated fleet saved at path, or generates one from cfg
// and saves it there, so that a dev stack keeps its fleet across restarts.
// An empty path generates without saving.
func Open(path string, cfg cloudsim.Config) (*cloudsim.Fleet, error) {
	if path == "" {
		return cloudsim.Generate(cfg), nil
	}
	f, err := cloudsim.LoadWithClock(path, cfg.Clock)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f = cloudsim.Generate(cfg)
	return f, f.Save(path)
}

// AutoSave saves the fleet to path every interval and once more when ctx
// ends, so that installs survive a restart.
func AutoSave(ctx context.Context, f *cloudsim.Fleet, path string, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := f.Save(path); err != nil {
				log.Error("saving the simulated fleet", "path", path, "error", err)
			}
			return
		case <-t.C:
			if err := f.Save(path); err != nil {
				log.Error("saving the simulated fleet", "path", path, "error", err)
			}
		}
	}
}

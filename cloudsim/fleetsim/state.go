package fleetsim

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

// openFleet loads the fleet saved at path, or generates one from cfg and
// saves it there (so that a path that cannot be written fails at start);
// an empty path generates without saving.
func openFleet(path string, cfg cloudsim.Config) (*cloudsim.Fleet, error) {
	if path == "" {
		return cloudsim.Generate(cfg), nil
	}
	f, err := cloudsim.LoadWithClock(path, cfg.Clock)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return f, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f = cloudsim.Generate(cfg)
	return f, f.Save(path)
}

// saveLoop saves the fleet to path every interval until ctx ends; Close
// saves once more.
func saveLoop(ctx context.Context, f *cloudsim.Fleet, path string, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := f.Save(path); err != nil && log != nil {
				log.Error("saving the simulated fleet", "path", path, "error", err)
			}
		}
	}
}

package sim

import (
	"context"
	"log/slog"
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim"
)

// Open loads the simulated fleet saved at path, or generates one from cfg
// and saves it there, so that a dev stack keeps its fleet across restarts
// (see cloudsim.Open). An empty path generates without saving.
func Open(path string, cfg cloudsim.Config) (*cloudsim.Fleet, error) {
	return cloudsim.Open(path, cfg)
}

// AutoSave saves the fleet to path every interval and once more when ctx
// ends, so that installs survive a restart.
func AutoSave(ctx context.Context, f *cloudsim.Fleet, path string, interval time.Duration, log *slog.Logger) {
	f.SaveEvery(ctx, path, interval, log)
	if err := f.Save(path); err != nil {
		log.Error("saving the simulated fleet", "path", path, "error", err)
	}
}

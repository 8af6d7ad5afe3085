package suite

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChaosShort runs the chaos suite's short form: separate processes,
// worker SIGKILLs and a server restart during one cycle, every check from
// the emulators' records. `go run ./chaos` runs the full form.
func TestChaosShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server, the emulators and workers as processes (a few minutes)")
	}
	cfg := Short()
	cfg.Dir = t.TempDir()
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Repo = repo
	var log strings.Builder
	cfg.Log = &log
	res, err := Run(context.Background(), cfg)
	t.Log("\n" + log.String())
	if err != nil {
		dumpLogs(t, cfg.Dir)
		t.Fatal(err)
	}
	var table strings.Builder
	res.Print(&table)
	t.Log("\n" + table.String())
	if res.Kills != cfg.Kills || res.ServerRestarts != cfg.ServerRestarts {
		t.Errorf("the chaos did %d kills and %d server restarts, want %d and %d: the cycle ended before them", res.Kills, res.ServerRestarts, cfg.Kills, cfg.ServerRestarts)
	}
	if !res.Passed() {
		dumpLogs(t, cfg.Dir)
		t.Fatal("a check failed")
	}
}

// dumpLogs shows the end of every process's log.
func dumpLogs(t *testing.T, dir string) {
	logs, _ := filepath.Glob(filepath.Join(dir, "logs", "*.log"))
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		if len(b) > 4000 {
			b = b[len(b)-4000:]
		}
		t.Logf("--- %s (end)\n%s", filepath.Base(l), b)
	}
}

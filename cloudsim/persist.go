package cloudsim

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// snapshotFormat is the version of the saved-fleet file layout.
const snapshotFormat = 1

// snapshot is a saved fleet: the config, the faults, the package catalogs
// (so a file stays readable when the built-in catalogs change) and every
// instance's state.
type snapshot struct {
	Format    int             `json:"format"`
	SavedAt   time.Time       `json:"savedAt"` // simulated time
	Config    Config          `json:"config"`
	Faults    Faults          `json:"faults"`
	Calls     uint64          `json:"calls"`
	Throttled int64           `json:"throttled"`
	Releases  []*release      `json:"releases"`
	Instances []savedInstance `json:"instances"`
	// Snapshots is the disk snapshots' journal (snapshots.go).
	Snapshots []SnapshotRecord `json:"snapshots,omitempty"`
}

// savedInstance is one instance's static data and state.
type savedInstance struct {
	fleet.Instance
	Product        string    `json:"product"`
	Installed      []int8    `json:"installed"`
	PendingReboot  uint64    `json:"pendingReboot,omitempty"`
	LivePatched    uint64    `json:"livePatched,omitempty"`
	RebootStarted  time.Time `json:"rebootStarted,omitzero"`
	RebootingUntil time.Time `json:"rebootingUntil,omitzero"`
	RebootHung     bool      `json:"rebootHung,omitempty"`
	LastScan       time.Time `json:"lastScan,omitzero"`
	Counters       Counters  `json:"counters,omitzero"`
	// Journal and JournalDropped are the instance's install journal.
	Journal        []InstallRecord `json:"journal,omitempty"`
	JournalDropped int             `json:"journalDropped,omitempty"`
	// ReleaseMoves are the instance's AL2023 release moves.
	ReleaseMoves []ReleaseRecord `json:"releaseMoves,omitempty"`
}

// Save writes the fleet to path as JSON, gzip-compressed when path ends in
// ".gz". The snapshot is one point in time even while other goroutines
// install, and the file is replaced atomically (temp file and rename).
func (f *Fleet) Save(path string) error {
	snap := f.snapshot()
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, base+".tmp-*")
	if err != nil {
		return fmt.Errorf("cloudsim: save: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := writeSnapshot(tmp, snap, strings.HasSuffix(path, ".gz")); err != nil {
		tmp.Close()
		return fmt.Errorf("cloudsim: save %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("cloudsim: save %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cloudsim: save %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("cloudsim: save: %w", err)
	}
	return nil
}

// snapshot copies the fleet's state under the exclusive state lock.
func (f *Fleet) snapshot() *snapshot {
	f.state.Lock()
	defer f.state.Unlock()
	now := f.clock.Now()
	s := &snapshot{
		Format: snapshotFormat, SavedAt: now, Config: f.cfg, Faults: f.Faults(),
		Calls: f.calls.Load(), Throttled: f.throttledCalls.Load(),
		Releases: f.cat.releases, Instances: make([]savedInstance, len(f.machines)),
		Snapshots: f.savedSnapshots(),
	}
	for i, m := range f.machines {
		m.settle(now)
		s.Instances[i] = savedInstance{
			Instance: m.static, Product: m.rel.Product,
			Installed:     append([]int8(nil), m.installed...),
			PendingReboot: m.pendingReboot, LivePatched: m.livePatched, RebootStarted: m.rebootStarted,
			RebootingUntil: m.rebootingUntil, RebootHung: m.rebootHung,
			LastScan: m.lastScan, Counters: m.counters,
			Journal: m.records(), JournalDropped: m.journal.dropped,
			ReleaseMoves: m.releaseMoves,
		}
		s.Instances[i].LastBootTime = m.lastBoot
	}
	return s
}

func writeSnapshot(w io.Writer, s *snapshot, compress bool) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	var out io.Writer = bw
	var zw *gzip.Writer
	if compress {
		zw = gzip.NewWriter(bw)
		out = zw
	}
	if err := json.NewEncoder(out).Encode(s); err != nil {
		return err
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Open loads the fleet saved at path, or generates one from cfg and saves
// it there (so that a path that cannot be written fails at once); an
// empty path generates without saving.
func Open(path string, cfg Config) (*Fleet, error) {
	if path == "" {
		return Generate(cfg), nil
	}
	f, err := LoadWithClock(path, cfg.Clock)
	if err == nil {
		return f, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f = Generate(cfg)
	return f, f.Save(path)
}

// SaveEvery saves the fleet to path every interval until ctx ends, logging
// the saves that fail (log may be nil). It does not save when ctx ends:
// the caller saves once more when it wants the last state.
func (f *Fleet) SaveEvery(ctx context.Context, path string, interval time.Duration, log *slog.Logger) {
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

// Load reads a fleet saved by Save (plain or gzip JSON). Its clock is a
// RealClock at the saved speed that resumes at the saved simulated time,
// or, at speed 1, at the wall-clock time if that is later (the servers ran
// on while the dev stack was down: reboots in progress have finished).
func Load(path string) (*Fleet, error) { return LoadWithClock(path, nil) }

// LoadWithClock reads a fleet saved by Save and runs it on clock (nil
// means as Load).
func LoadWithClock(path string, clock Clock) (*Fleet, error) {
	s, err := readSnapshot(path)
	if err != nil {
		return nil, fmt.Errorf("cloudsim: load %s: %w", path, err)
	}
	f, err := fromSnapshot(s, clock)
	if err != nil {
		return nil, fmt.Errorf("cloudsim: load %s: %w", path, err)
	}
	return f, nil
}

func readSnapshot(path string) (*snapshot, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	br := bufio.NewReaderSize(file, 1<<16)
	var in io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		in = zr
	}
	var s snapshot
	if err := json.NewDecoder(in).Decode(&s); err != nil {
		return nil, err
	}
	if s.Format != snapshotFormat {
		return nil, fmt.Errorf("unsupported fleet file format %d (want %d)", s.Format, snapshotFormat)
	}
	return &s, nil
}

// fromSnapshot rebuilds a fleet, checking that every instance fits its
// release's catalog.
func fromSnapshot(s *snapshot, clock Clock) (*Fleet, error) {
	cfg := s.Config
	if cfg.Timing == nil {
		t := DefaultTiming()
		cfg.Timing = &t
	}
	cfg.Faults = s.Faults
	cfg.Instances = len(s.Instances)
	if clock == nil {
		start := s.SavedAt
		if now := time.Now().UTC(); cfg.Speed == 1 && now.After(start) {
			start = now
		}
		clock = NewRealClock(start, cfg.Speed)
	}
	cat := newCatalog(s.Releases)
	f := newFleet(cfg, cat, clock)
	f.calls.Store(s.Calls)
	f.throttledCalls.Store(s.Throttled)
	for i, si := range s.Instances {
		rel := cat.byProduct[si.Product]
		switch {
		case rel == nil:
			return nil, fmt.Errorf("instance %d (%s): unknown product %q", i, si.ID, si.Product)
		case len(si.Installed) != len(rel.Components):
			return nil, fmt.Errorf("instance %d (%s): %d installed versions for %d packages", i, si.ID, len(si.Installed), len(rel.Components))
		case si.ID == "" || f.byID[si.ID] != nil:
			return nil, fmt.Errorf("instance %d: missing or duplicate ID %q", i, si.ID)
		}
		for ci, v := range si.Installed {
			if int(v) >= len(rel.Components[ci].Versions) || v < -1 {
				return nil, fmt.Errorf("instance %s: package %s: version index %d out of range", si.ID, rel.Components[ci].Name, v)
			}
		}
		static := si.Instance
		lastBoot := static.LastBootTime
		static.LastBootTime, static.Ping, static.Unreachable = time.Time{}, "", ""
		m := &machine{
			static: static, rel: rel, installed: si.Installed,
			pendingReboot: si.PendingReboot, livePatched: si.LivePatched & si.PendingReboot, lastBoot: lastBoot,
			rebootStarted: si.RebootStarted, rebootingUntil: si.RebootingUntil, rebootHung: si.RebootHung,
			lastScan: si.LastScan, counters: si.Counters, releaseMoves: si.ReleaseMoves,
		}
		if err := m.restoreJournal(si.Journal, si.JournalDropped); err != nil {
			return nil, fmt.Errorf("instance %s: %w", si.ID, err)
		}
		f.add(m)
	}
	if len(f.machines) == 0 {
		return nil, errors.New("no instances")
	}
	f.restoreSnapshots(s.Snapshots)
	return f, nil
}

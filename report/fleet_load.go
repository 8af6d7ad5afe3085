package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// RunDir is where a run's report files are in a report directory:
// <dir>/<group>/<cycle>[/retry-<n>] (the layout activities write).
func RunDir(dir, group, cycle string, retry int) string {
	p := filepath.Join(dir, group, cycle)
	if retry > 0 {
		p = filepath.Join(p, "retry-"+strconv.Itoa(retry))
	}
	return p
}

// LoadFleet builds the roll-up of a cycle from the report.json files under
// dir (see RunDir), merging each group's RetryFailed runs in order: a
// retry's outcome replaces the cycle's for the instances it re-ran. modes
// maps the policy's groups to their mode (may be nil); a group there
// without a report yet is listed with status no-report.
func LoadFleet(dir, cycle string, modes map[string]string, generatedAt time.Time) (*Fleet, error) {
	b := NewFleetBuilder(cycle, generatedAt)
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		group := e.Name()
		ok, err := loadGroup(b, dir, group, cycle, modes[group])
		if err != nil {
			return nil, err
		}
		seen[group] = ok
	}
	for _, g := range sortedKeys(modes) {
		if !seen[g] {
			b.Group(g, modes[g], nil, 0)
		}
	}
	return b.Fleet(), nil
}

// loadGroup adds one group's cycle (and retries) to b; false when the group
// has no report for the cycle.
func loadGroup(b *FleetBuilder, dir, group, cycle, mode string) (bool, error) {
	base := filepath.Join(RunDir(dir, group, cycle, 0), "report.json")
	if _, err := os.Stat(base); errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	runs := append([]string{base}, retryReports(RunDir(dir, group, cycle, 0))...)
	insts := map[string]*Instance{}
	var header *Header
	for _, p := range runs {
		err := readReportFile(p, func(_ string, h Header) error {
			if header == nil {
				header = &h
			}
			return nil
		}, func(i *Instance) error {
			i.Packages = nil // the roll-up needs outcomes and still-missing patches only
			insts[i.ID] = i
			return nil
		})
		if err != nil {
			return false, err
		}
	}
	b.Group(group, mode, header, len(runs)-1)
	for _, id := range sortedKeys(insts) {
		b.Instance(group, insts[id])
	}
	return true, nil
}

// retryReports returns the report.json of each retry-<n> run under dir, in
// retry order.
func retryReports(dir string) []string {
	entries, _ := os.ReadDir(dir)
	type run struct {
		n    int
		path string
	}
	var runs []run
	for _, e := range entries {
		n, err := strconv.Atoi(strings.TrimPrefix(e.Name(), "retry-"))
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "retry-") || err != nil {
			continue
		}
		p := filepath.Join(dir, e.Name(), "report.json")
		if _, err := os.Stat(p); err == nil {
			runs = append(runs, run{n, p})
		}
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i].n < runs[j].n })
	out := make([]string, len(runs))
	for i, r := range runs {
		out[i] = r.path
	}
	return out
}

func readReportFile(path string, header func(string, Header) error, instance func(*Instance) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := Decode(f, header, instance); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// LoadReport reads one run's report.json from a report directory.
func LoadReport(dir, group, cycle string, retry int) (*Report, error) {
	f, err := os.Open(filepath.Join(RunDir(dir, group, cycle, retry), "report.json"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadReport(f)
}

package suite

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/fleetsim"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// checkInput is what the checks read besides the emulators.
type checkInput struct {
	admin string
	// store is the artifact store the workers shared (the emulator's S3).
	store activities.Store
	dir   string
	cycle string
	runID string
	// status is the cycle's final status (its install window's cutoff).
	status workflows.CycleStatus
}

// evidence is the emulators' records and the run's outputs.
type evidence struct {
	installs  []cloudsim.InstallRecord
	inventory map[string]map[string]string
	report    report.Report
	manifest  activities.Manifest
}

// check runs every check.
func check(ctx context.Context, in checkInput) ([]Check, error) {
	ev, err := gather(ctx, in)
	if err != nil {
		return nil, err
	}
	snapshot := awsprov.SnapshotID(activities.Run{Group: group, Cycle: in.cycle, ID: in.runID}.Key())
	var mine []cloudsim.InstallRecord
	for _, r := range ev.installs {
		// AWS commands carry the cycle's snapshot ID; Azure's installPatches
		// carries no cycle, and this run is the fleet's only one.
		if r.Cloud == fleet.CloudAzure || r.CycleID == snapshot {
			mine = append(mine, r)
		}
	}
	return []Check{
		onceEach(mine),
		onlyApproved(mine, ev.manifest),
		beforeCutoff(mine, in.status.Slot),
		withinBudget(ev.report, in.status),
		reportedOnce(ev.report, ev.inventory),
		versionsMatch(ev.report, ev.inventory, mine),
	}, nil
}

func gather(ctx context.Context, in checkInput) (evidence, error) {
	var ev evidence
	var inst fleetsim.InstallsResponse
	if err := getAdmin(ctx, in.admin+"/installs", &inst); err != nil {
		return ev, err
	}
	if inst.Dropped > 0 {
		return ev, fmt.Errorf("the install journal dropped %d records: it cannot be trusted", inst.Dropped)
	}
	ev.installs = inst.Records
	var inv fleetsim.InventoryResponse
	if err := getAdmin(ctx, in.admin+"/inventory", &inv); err != nil {
		return ev, err
	}
	ev.inventory = map[string]map[string]string{}
	for _, i := range inv.Instances {
		m := map[string]string{}
		for _, p := range i.Packages {
			m[p.Name] = p.Version
		}
		ev.inventory[i.InstanceID] = m
	}
	if err := readJSON(filepath.Join(in.dir, "reports", group, in.cycle, "report.json"), &ev.report); err != nil {
		return ev, err
	}
	b, err := in.store.Get(ctx, "cycles/"+group+"/"+in.cycle+"/"+in.runID+"/manifest.json")
	if err != nil {
		return ev, err
	}
	return ev, json.Unmarshal(b, &ev.manifest)
}

func getAdmin(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// delivered reports whether an install reached the instance.
func delivered(r cloudsim.InstallRecord) bool {
	return r.Outcome == cloudsim.OutcomeInstalled || r.Outcome == cloudsim.OutcomeFailed
}

// onceEach: no instance received two install operations for the cycle.
func onceEach(recs []cloudsim.InstallRecord) Check {
	per := map[string]int{}
	most := 0
	for _, r := range recs {
		if delivered(r) {
			per[r.InstanceID]++
			most = max(most, per[r.InstanceID])
		}
	}
	fig := fmt.Sprintf("%d instances installed, at most %d operation(s) each, %d not delivered", len(per), most, len(recs)-countDelivered(recs))
	// Name the first few instances installed twice, with their operations'
	// cloud and times, so that a failure can be traced in the logs.
	shown := 0
	for _, r := range recs {
		if delivered(r) && per[r.InstanceID] > 1 && shown < 6 {
			fig += fmt.Sprintf("; %s (%s) %s-%s", r.InstanceID, r.Cloud, r.Start.Format("15:04:05.000"), r.End.Format("15:04:05.000"))
			shown++
		}
	}
	return Check{Name: "one install operation per instance", OK: most <= 1, Figure: fig}
}

func countDelivered(recs []cloudsim.InstallRecord) int {
	n := 0
	for _, r := range recs {
		if delivered(r) {
			n++
		}
	}
	return n
}

// onlyApproved: every package installed (its version changed, or the
// attempt failed) is one the approved manifest gives that instance (the
// run approves all of it).
func onlyApproved(recs []cloudsim.InstallRecord, m activities.Manifest) Check {
	assigned := map[string][]string{}
	for _, i := range m.Instances {
		assigned[i.InstanceID] = i.PatchIDs
	}
	total, outside := 0, 0
	for _, r := range recs {
		if !delivered(r) {
			continue
		}
		for _, c := range r.Changes {
			// The journal lists every requested patch of the instance's
			// release; only a changed version (or a failed attempt) is an
			// install. (AWS-RunPatchBaseline takes one list per command and
			// skips the patches a node already has.)
			if c.FromVersion == c.ToVersion && c.State != fleet.StateFailed {
				continue
			}
			total++
			if !slices.Contains(assigned[r.InstanceID], c.PatchID) {
				outside++
			}
		}
	}
	return Check{Name: "only approved packages installed", OK: outside == 0 && total > 0,
		Figure: fmt.Sprintf("%d package installs, %d outside the approved manifest", total, outside)}
}

// beforeCutoff: no install started after the window's cutoff.
func beforeCutoff(recs []cloudsim.InstallRecord, slot *activities.Slot) Check {
	if slot == nil {
		return Check{Name: "no install after the cutoff", Figure: "the cycle has no install window"}
	}
	var last time.Time
	late := 0
	for _, r := range recs {
		if r.Start.After(last) {
			last = r.Start
		}
		if r.Start.After(slot.LastStart) {
			late++
		}
	}
	return Check{Name: "no install after the cutoff", OK: late == 0,
		Figure: fmt.Sprintf("last install started %s, cutoff %s; %d after it", last.UTC().Format(time.TimeOnly), slot.LastStart.UTC().Format(time.TimeOnly), late)}
}

// withinBudget: failures stayed within the budget rule: at most maxErrors
// when the rollout did not halt, at most one batch more when it halted.
func withinBudget(rep report.Report, st workflows.CycleStatus) Check {
	failed := rep.Header.Counts[report.Failed] - st.Counts.ScanFailed
	budget := policy.Amount{Percent: maxErrors, IsPercent: true}.Of(st.Counts.Planned)
	batch := min(fleet.MaxBatch, budget+1)
	limit := budget
	if st.Status == workflows.StatusHalted {
		limit = budget + batch
	}
	return Check{Name: "failures within the error budget", OK: failed <= limit,
		Figure: fmt.Sprintf("%d install failures of %d planned; maxErrors %d, batches of %d, %s: at most %d", failed, st.Counts.Planned, budget, batch, st.Status, limit)}
}

// reportedOnce: every instance of the fleet appears exactly once.
func reportedOnce(rep report.Report, inventory map[string]map[string]string) Check {
	seen := map[string]int{}
	dup := 0
	for _, i := range rep.Instances {
		seen[i.ID]++
		if seen[i.ID] == 2 {
			dup++
		}
	}
	missing := 0
	for id := range inventory {
		if seen[id] == 0 {
			missing++
		}
	}
	return Check{Name: "every instance reported exactly once", OK: dup == 0 && missing == 0 && len(seen) == len(inventory),
		Figure: fmt.Sprintf("%d of %d instances in the report, %d twice, %d missing", len(seen), len(inventory), dup, missing)}
}

// versionsMatch: every installed package's to-version is what the instance
// has now, and its from-version what it had before the install.
func versionsMatch(rep report.Report, inventory map[string]map[string]string, recs []cloudsim.InstallRecord) Check {
	from := map[string]string{}
	for _, r := range recs {
		for _, c := range r.Changes {
			from[r.InstanceID+"\x00"+c.PatchID] = c.FromVersion
		}
	}
	checked, wrong, skipped := 0, 0, 0
	for _, i := range rep.Instances {
		for _, p := range i.Packages {
			if p.State != fleet.StateInstalled && p.State != fleet.StateInstalledPendingReboot {
				continue
			}
			if p.ToVersion == "" || p.Name == "" || inventory[i.ID][p.Name] == "" {
				skipped++ // Windows updates have no package version
				continue
			}
			checked++
			f, known := from[i.ID+"\x00"+p.PatchID]
			if inventory[i.ID][p.Name] != p.ToVersion || (known && f != p.FromVersion) {
				wrong++
			}
		}
	}
	return Check{Name: "report versions match the emulators", OK: wrong == 0 && checked > 0,
		Figure: fmt.Sprintf("%d installed packages checked, %d differ, %d without versions (Windows KBs)", checked, wrong, skipped)}
}

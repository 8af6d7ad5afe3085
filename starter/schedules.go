package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "schedules sync", Usage: "--policy PATH [--dry-run]",
		Summary: "create, update and delete Temporal Schedules from the maintenance windows", Run: runSchedulesSync})
	register(command{Name: "schedules list", Usage: "",
		Summary: "list fleetpatch's schedules and their next runs", Run: runSchedulesList})
}

// schedulePrefix starts the ID of every schedule fleetpatch manages; sync
// deletes only schedules with this prefix.
const schedulePrefix = "fleetpatch/"

// catchupWindow is how late a missed run (server down) may still start.
const catchupWindow = 6 * time.Hour

// memoSpec is the memo key that records the spec a schedule was made from.
const memoSpec = "fleetpatch-spec"

// desiredSchedule is one schedule the policy asks for: a group's cycle
// starting when its scan window opens, or the weekly fleet report.
type desiredSchedule struct {
	id, group, cron, tz string
	jitter              time.Duration
	// workflow, actionID and arg are what the schedule starts.
	workflow, actionID string
	arg                any
}

// fleetReportCron runs the fleet roll-up on Fridays at 18:00 UTC for the
// previous week's cycle, after that cycle's install and approval windows
// (auto groups install on Sunday, approved ones Tuesday to Thursday).
const fleetReportCron = "0 18 * * FRI"

func (d desiredSchedule) spec() string {
	tz := d.tz
	if tz == "" {
		tz = "UTC"
	}
	s := fmt.Sprintf("%s %s", d.cron, tz)
	if d.jitter > 0 {
		s += " jitter " + d.jitter.String()
	}
	return s
}

// digest identifies the desired schedule's content; a change means update.
func (d desiredSchedule) digest(taskQueue string) string {
	arg, _ := json.Marshal(d.arg)
	sum := sha256.Sum256([]byte(d.spec() + "|" + d.workflow + "|" + string(arg) + "|" + taskQueue))
	return hex.EncodeToString(sum[:8])
}

// cleanArtifactsCron runs the artifact clean-up daily at 03:30 UTC.
const cleanArtifactsCron = "30 3 * * *"

// desiredSchedules lists the schedules the policy asks for, sorted by ID:
// one per group, the weekly fleet report and the daily artifact clean-up
// keeping retainDays days after a cycle's week.
func desiredSchedules(pol *policy.Policy, retainDays int) ([]desiredSchedule, error) {
	var out []desiredSchedule
	for _, name := range slices.Sorted(maps.Keys(pol.Groups)) {
		g := pol.Groups[name]
		w, ok := pol.Windows[g.Windows.Scan]
		if !ok {
			return nil, fmt.Errorf("group %s: window %q is not defined", name, g.Windows.Scan)
		}
		cron, err := w.Spec()
		if err != nil {
			return nil, fmt.Errorf("window %s: %w", w.Name, err)
		}
		out = append(out, desiredSchedule{id: schedulePrefix + name + "/" + w.Name, group: name,
			cron: cron, tz: w.TimeZone, jitter: w.Jitter.D(), workflow: workflows.ScheduledCycleWorkflow,
			actionID: "scheduled-cycle/" + name, arg: workflows.ScheduledInput{Group: name}})
	}
	out = append(out, desiredSchedule{id: schedulePrefix + "fleet-report", cron: fleetReportCron,
		workflow: workflows.FleetReportWorkflow, actionID: "scheduled-fleet-report", arg: workflows.FleetReportInput{WeeksBack: 1}})
	if retainDays < activities.MinRetainDays || retainDays > activities.MaxRetainDays {
		return nil, fmt.Errorf("--artifact-retention-days %d is not between %d and %d", retainDays, activities.MinRetainDays, activities.MaxRetainDays)
	}
	out = append(out, desiredSchedule{id: schedulePrefix + "artifact-retention", cron: cleanArtifactsCron,
		workflow: workflows.CleanArtifactsWorkflow, actionID: "scheduled-clean-artifacts", arg: workflows.CleanArtifactsInput{RetainDays: retainDays}})
	return out, nil
}

func runSchedulesSync(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("schedules sync", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var tf temporalFlags
	tf.register(fs)
	polPath := fs.String("policy", "deployments/examples/policy", "policy file or folder")
	dryRun := fs.Bool("dry-run", false, "print the plan, change nothing")
	retain := fs.Int("artifact-retention-days", activities.DefaultRetainDays, "days to keep a cycle's artifacts after its week ends (the daily clean-up)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	pol, err := policy.Load(*polPath)
	if err != nil {
		fmt.Fprintf(stderr, "schedules sync: policy %s:\n%v\n", *polPath, err)
		return 1
	}
	c, err := tf.dial()
	if err != nil {
		fmt.Fprintln(stderr, "schedules sync:", err)
		return 1
	}
	defer c.Close()
	if err := syncSchedules(context.Background(), c, tf.dataConverter(), pol, *retain, tf.taskQueue, *dryRun, stdout); err != nil {
		fmt.Fprintln(stderr, "schedules sync:", err)
		return 1
	}
	return 0
}

// syncSchedules makes the server's fleetpatch schedules match the policy
// and prints one line per schedule: create, update, delete or unchanged.
// dc is the client's data converter (it reads the memos).
func syncSchedules(ctx context.Context, c client.Client, dc converter.DataConverter, pol *policy.Policy, retainDays int, taskQueue string, dryRun bool, out io.Writer) error {
	want, err := desiredSchedules(pol, retainDays)
	if err != nil {
		return err
	}
	have, err := existingSchedules(ctx, c, dc)
	if err != nil {
		return err
	}
	sc := c.ScheduleClient()
	verb := func(v string) string {
		if dryRun {
			return "would " + v
		}
		return v
	}
	for _, d := range want {
		digest := d.digest(taskQueue)
		old, exists := have[d.id]
		delete(have, d.id)
		switch {
		case exists && old == digest:
			fmt.Fprintf(out, "unchanged  %s  %s\n", d.id, d.spec())
			continue
		case exists:
			fmt.Fprintf(out, "%s  %s  %s\n", verb("update"), d.id, d.spec())
			if !dryRun {
				if err := sc.GetHandle(ctx, d.id).Delete(ctx); err != nil {
					return fmt.Errorf("update %s: %w", d.id, err)
				}
			}
		default:
			fmt.Fprintf(out, "%s  %s  %s\n", verb("create"), d.id, d.spec())
		}
		if dryRun {
			continue
		}
		if _, err := sc.Create(ctx, scheduleOptions(d, taskQueue, digest)); err != nil {
			return fmt.Errorf("create %s: %w", d.id, err)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(have)) {
		fmt.Fprintf(out, "%s  %s\n", verb("delete"), id)
		if dryRun {
			continue
		}
		err := sc.GetHandle(ctx, id).Delete(ctx)
		var nf *serviceerror.NotFound
		if err != nil && !errors.As(err, &nf) {
			return fmt.Errorf("delete %s: %w", id, err)
		}
	}
	return nil
}

// scheduleOptions builds the Temporal Schedule for a desired schedule:
// cron in the window's time zone, jitter, overlap skip and a catch-up
// window.
func scheduleOptions(d desiredSchedule, taskQueue, digest string) client.ScheduleOptions {
	action := &client.ScheduleWorkflowAction{ID: d.actionID, Workflow: d.workflow, Args: []any{d.arg}, TaskQueue: taskQueue}
	if d.group != "" {
		action.TypedSearchAttributes = temporal.NewSearchAttributes(workflows.PatchGroupKey.ValueSet(d.group))
	}
	return client.ScheduleOptions{
		ID:            d.id,
		Spec:          client.ScheduleSpec{CronExpressions: []string{d.cron}, TimeZoneName: d.tz, Jitter: d.jitter},
		Action:        action,
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: catchupWindow,
		Memo:          map[string]any{memoSpec: digest},
	}
}

// existingSchedules maps the IDs of fleetpatch's schedules to the digest
// recorded in their memo, read with dc (nil: the default converter).
func existingSchedules(ctx context.Context, c client.Client, dc converter.DataConverter) (map[string]string, error) {
	if dc == nil {
		dc = converter.GetDefaultDataConverter()
	}
	it, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{PageSize: 100})
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, err
		}
		if !strings.HasPrefix(e.ID, schedulePrefix) {
			continue
		}
		var digest string
		if e.Memo != nil {
			if p, ok := e.Memo.Fields[memoSpec]; ok {
				_ = dc.FromPayload(p, &digest)
			}
		}
		out[e.ID] = digest
	}
	return out, nil
}

func runSchedulesList(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("schedules list", flag.ContinueOnError)
	fs.SetOutput(stderr)
	polPath := fs.String("policy", "deployments/examples/policy", "policy file or folder whose change freezes to show (empty: none)")
	var tf temporalFlags
	tf.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c, err := tf.dial()
	if err != nil {
		fmt.Fprintln(stderr, "schedules list:", err)
		return 1
	}
	defer c.Close()
	ctx := context.Background()
	have, err := existingSchedules(ctx, c, tf.dataConverter())
	if err != nil {
		fmt.Fprintln(stderr, "schedules list:", err)
		return 1
	}
	if len(have) == 0 {
		fmt.Fprintln(stdout, "no fleetpatch schedules (run: go run ./starter schedules sync)")
		return 0
	}
	for _, id := range slices.Sorted(maps.Keys(have)) {
		d, err := c.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
		if err != nil {
			fmt.Fprintf(stdout, "%s  (%v)\n", id, err)
			continue
		}
		next := "-"
		if len(d.Info.NextActionTimes) > 0 {
			next = d.Info.NextActionTimes[0].Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%s  tz %s  next %s  paused %v  running %d\n", id,
			firstOf(d.Schedule.Spec.TimeZoneName, "UTC"), next, d.Schedule.State.Paused, len(d.Info.RunningWorkflows))
	}
	if *polPath != "" {
		pol, err := policy.Load(*polPath)
		if err != nil {
			fmt.Fprintf(stderr, "schedules list: change freezes not shown: policy %s:\n%v\n", *polPath, err)
			return 0
		}
		printFreezes(stdout, pol, time.Now())
	}
	return 0
}

// freezesShown is how many coming periods schedules list shows per group.
const freezesShown = 3

// printFreezes lists, per group that honours change freezes, the periods
// that have not ended yet (the next few).
func printFreezes(w io.Writer, pol *policy.Policy, now time.Time) {
	for _, name := range slices.Sorted(maps.Keys(pol.Groups)) {
		g := pol.Groups[name]
		if len(g.Freezes) == 0 {
			continue
		}
		var coming []policy.FreezePeriod
		for _, p := range pol.FreezePeriods(g.Freezes) {
			if p.End.After(now) {
				coming = append(coming, p)
			}
		}
		fmt.Fprintf(w, "freezes of group %s (%s): %d coming\n", name, strings.Join(g.Freezes, ", "), len(coming))
		for _, p := range coming[:min(len(coming), freezesShown)] {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "status", Usage: "[--group G] [--cycle ID] [--watch]",
		Summary: "a table of cycles and their phases, with rollout progress", Run: runStatus})
}

func runStatus(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf cycleFlags
	cf.register(fs)
	watch := fs.Bool("watch", false, "refresh every 2 seconds until Ctrl-C")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	c, err := cf.dial()
	if err != nil {
		fmt.Fprintln(stderr, "status:", err)
		return 1
	}
	defer c.Close()
	for {
		rows, err := listCycles(context.Background(), c, cf.namespace, cf.group, cf.cycle)
		if err != nil {
			fmt.Fprintln(stderr, "status:", err)
			return 1
		}
		if *watch {
			fmt.Fprint(stdout, "\033[H\033[2J")
		}
		if len(rows) == 0 {
			fmt.Fprintln(stdout, "no cycles found")
		} else {
			printStatus(stdout, rows)
		}
		if !*watch {
			return 0
		}
		time.Sleep(2 * time.Second)
	}
}

// listCycles finds the cycles (newest first): running ones answer the
// status query; closed ones are read from visibility and their result
// (the close event), which needs no worker (a query of a closed workflow
// replays its whole history on a worker).
func listCycles(ctx context.Context, c client.Client, ns, group, cycle string) ([]workflows.CycleStatus, error) {
	q := fmt.Sprintf("WorkflowType = %q", workflows.PatchCycleWorkflow)
	if group != "" {
		q += fmt.Sprintf(" AND PatchGroup = %q", group)
	}
	if cycle != "" {
		q += fmt.Sprintf(" AND PatchCycle = %q", cycle)
	}
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: ns, Query: q, PageSize: 200})
	if err != nil {
		return nil, err
	}
	var rows []workflows.CycleStatus
	for _, e := range resp.Executions {
		var st workflows.CycleStatus
		var err error
		if e.Status == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			st, err = queryStatus(ctx, c, e.Execution.WorkflowId)
		} else {
			st, err = closedStatus(ctx, c, e.Execution.WorkflowId, e.Execution.RunId)
		}
		if err != nil {
			st = fromVisibility(e)
		}
		rows = append(rows, st)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Cycle != rows[j].Cycle {
			return rows[i].Cycle > rows[j].Cycle
		}
		return rows[i].Group < rows[j].Group
	})
	return rows, nil
}

// fromVisibility is a cycle's row from its search attributes alone: for
// a cycle that failed (it has no result) or does not answer.
func fromVisibility(e *workflowpb.WorkflowExecutionInfo) workflows.CycleStatus {
	st := workflows.CycleStatus{Group: e.GetExecution().GetWorkflowId(), Phase: workflows.Phase(strings.ToLower(
		strings.TrimPrefix(e.GetStatus().String(), "WORKFLOW_EXECUTION_STATUS_")))}
	sa := e.GetSearchAttributes().GetIndexedFields()
	dc := converter.GetDefaultDataConverter()
	var group, cycle, phase string
	if dc.FromPayload(sa[workflows.PatchGroupKey.GetName()], &group) == nil && group != "" {
		st.Group = group
	}
	_ = dc.FromPayload(sa[workflows.PatchCycleKey.GetName()], &cycle)
	st.Cycle = cycle
	if dc.FromPayload(sa[workflows.PatchPhaseKey.GetName()], &phase) == nil && phase != "" {
		st.Status = workflows.Status(phase)
	}
	return st
}

// closedStatus is a closed cycle's row, from its result.
func closedStatus(ctx context.Context, c client.Client, id, runID string) (workflows.CycleStatus, error) {
	var r workflows.CycleResult
	if err := c.GetWorkflow(ctx, id, runID).Get(ctx, &r); err != nil {
		return workflows.CycleStatus{}, err
	}
	return workflows.CycleStatus{Group: r.Group, Cycle: r.Cycle, Mode: r.Mode, Phase: workflows.PhaseDone, Status: r.Status,
		Counts: r.Counts, Report: r.Report}, nil
}

func printStatus(w io.Writer, rows []workflows.CycleStatus) {
	tw := tabwriter.NewWriter(w, 0, 2, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tCYCLE\tMODE\tPHASE\tSTATUS\tDISCOVERED\tNEED\tPATCHED\tPENDING-REBOOT\tLIVE-PATCHED\tFAILED\tPROGRESS")
	for _, s := range rows {
		n := s.Counts
		status := string(s.Status)
		if s.Paused && status == "" {
			status = "paused"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", s.Group, s.Cycle, s.Mode, s.Phase, firstOf(status),
			n.Discovered, n.NeedPatches, n.Patched, n.PendingReboot, n.LivePatched, n.Failed, progressBar(s))
	}
	tw.Flush()
	for _, s := range rows {
		if s.Slot != nil && s.Slot.Freeze != "" && s.Phase != workflows.PhaseDone {
			fmt.Fprintf(w, "%s %s: install slot %s to %s: %s\n", s.Group, s.Cycle, s.Slot.Start.UTC().Format(time.RFC3339),
				s.Slot.End.UTC().Format(time.RFC3339), s.Slot.Freeze)
		}
	}
}

// progressBar draws how much of the planned rollout is done.
func progressBar(s workflows.CycleStatus) string {
	planned := s.Counts.Planned
	if planned == 0 {
		return ""
	}
	done := s.Counts.Patched + s.Counts.PendingReboot + s.Counts.LivePatched + s.Counts.Failed
	const width = 20
	filled := min(width, done*width/planned)
	bar := "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "]"
	if s.Wave.Total > 0 {
		bar += fmt.Sprintf(" wave %d/%d", s.Wave.Current, s.Wave.Total)
	}
	return fmt.Sprintf("%s %d/%d", bar, done, planned)
}

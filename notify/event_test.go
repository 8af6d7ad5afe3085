package notify

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/policy"
)

const testDigest = "sha256:5e17af0000000000000000000000000000000000000000000000000000000042"

// reviewEvent is a valid review-ready event of a test cycle.
func reviewEvent() Event {
	stmt, approve := ReviewCommands("prod-sensitive", "2026-W48")
	return Event{Kind: ReviewReady, Group: "prod-sensitive", Cycle: "2026-W48",
		WorkflowID: "patch-cycle/prod-sensitive/2026-W48", RunID: "0190-run",
		Body:   "The manifest of prod-sensitive 2026-W48 waits for review.",
		Review: &Review{Patches: 12, Instances: 40, ManifestDigest: testDigest, StatementCommand: stmt, ApproveCommand: approve}}
}

// The policy's event names and the package's kinds are the same list.
func TestKindsArePolicyEvents(t *testing.T) {
	var kinds []string
	for _, k := range Kinds {
		kinds = append(kinds, string(k))
	}
	require.Equal(t, policy.NotificationEvents, kinds)
}

func TestEventValidate(t *testing.T) {
	require.NoError(t, reviewEvent().Validate())
	cases := []struct {
		name string
		edit func(*Event)
		want string
	}{
		{"unknown kind", func(e *Event) { e.Kind = "exploded"; e.Review = nil }, `kind "exploded"`},
		{"review missing", func(e *Event) { e.Review = nil }, "a review-ready event needs its review"},
		{"halt on review", func(e *Event) { e.Halt = NewHalt("x", nil) }, "halt is not part of a review-ready event"},
		{"digest", func(e *Event) { e.Review.ManifestDigest = "abc" }, "review.manifestDigest"},
		{"title with newline", func(e *Event) { e.Title = "a\r\nBcc: evil@example.com" }, "title must be one line"},
		{"command with newline", func(e *Event) { e.Review.ApproveCommand = "x\nrm -rf /" }, "one line each"},
		{"id", func(e *Event) { e.ID = "Review Ready" }, `id "Review Ready"`},
		{"run id", func(e *Event) { e.RunID = "../x" }, `runId "../x"`},
		{"too many failed instances", func(e *Event) {
			e.Kind, e.Review = Halted, nil
			e.Halt = &Halt{Reason: "max errors", FailedInstances: make([]string, 21), FailedTotal: 21}
		}, "up to 20 instances"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := reviewEvent()
			c.edit(&e)
			require.ErrorContains(t, e.Validate(), c.want)
		})
	}
	failed := Event{Kind: Failed, WorkflowID: "w", RunID: "r", Result: &Result{Instances: 3, Failed: 3}}
	require.NoError(t, failed.Validate(), "a failed cycle may carry its counts")
	expired := Event{Kind: Expired, WorkflowID: "w", RunID: "r"}
	require.NoError(t, expired.Validate())
}

func TestNewHaltKeepsTwenty(t *testing.T) {
	var ids []string
	for i := range 25 {
		ids = append(ids, fmt.Sprintf("i-%02d", i))
	}
	h := NewHalt("maxErrors 2 exceeded", ids)
	require.Len(t, h.FailedInstances, MaxFailedInstances)
	require.Equal(t, 25, h.FailedTotal)
	e := Event{Kind: Halted, WorkflowID: "w", RunID: "r", Halt: h}
	require.NoError(t, e.Validate())
	require.Contains(t, e.PlainText(), "i-00, i-01")
	require.Contains(t, e.PlainText(), "i-19 and 5 more")
	require.NotContains(t, e.PlainText(), "i-20")
}

func TestPlainTextAndSubject(t *testing.T) {
	e := reviewEvent()
	require.Equal(t, "fleetpatch prod-sensitive 2026-W48: review ready", e.Subject())
	require.Equal(t, "review-ready", e.Key())
	require.Equal(t, "patch-cycle/prod-sensitive/2026-W48/0190-run/review-ready", e.DeliveryID())
	txt := e.PlainText()
	for _, want := range []string{
		"Summary: 12 patches for 40 instances",
		"Manifest digest: " + testDigest,
		"go run ./starter review --group prod-sensitive --cycle 2026-W48 --statement --approver YOU",
		"go run ./starter approve --group prod-sensitive --cycle 2026-W48 --statement statement.txt --signature statement.txt.sig",
		"Workflow: patch-cycle/prod-sensitive/2026-W48 (run 0190-run)",
	} {
		require.Contains(t, txt, want)
	}
	require.Less(t, len(strings.Split(txt, "\n")), 15, "short")
	require.True(t, slices.ContainsFunc(e.Facts(), func(f Fact) bool { return f.Command && strings.HasPrefix(f.Value, "go run") }))
}

package approval

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func testExpectation() Expectation {
	return Expectation{Namespace: "default", Workflows: []string{"patch-cycle/prod-sensitive/2026-W48"}, Run: "0193a7c0-run",
		Digest: testDigest, Patches: []string{"libssl3:1", "openssl:1"},
		Approvers: []string{"ops-lead@example.com", "sre-oncall@example.com"}, Now: testNow}
}

func TestExpectationChecksWhatTheStatementIsFor(t *testing.T) {
	require.NoError(t, testExpectation().Check(testStatement()))
	subset := testStatement()
	subset.Patches = []string{"openssl:1"}
	require.NoError(t, testExpectation().Check(subset))

	for name, c := range map[string]struct {
		change func(*Statement)
		want   string
	}{
		"another approver":  {func(s *Statement) { s.Approver = "mallory@example.com" }, "mallory@example.com may not decide on this cycle"},
		"another namespace": {func(s *Statement) { s.Namespace = "staging" }, `namespace "staging"`},
		"another cycle":     {func(s *Statement) { s.Workflow = "patch-cycle/prod-sensitive/2026-W47" }, "is for workflow patch-cycle/prod-sensitive/2026-W47"},
		"another run":       {func(s *Statement) { s.Run = "other" }, "is for run other"},
		"another digest":    {func(s *Statement) { s.Digest = "sha256:" + testDigest[len(testDigest)-64:len(testDigest)-1] + "0" }, "review the cycle again"},
		"expired":           {func(s *Statement) { s.Expires = testNow }, "expired at 2026-11-23T09:00:00Z"},
		"too long":          {func(s *Statement) { s.Expires = testNow.Add(15 * 24 * time.Hour) }, "more than 336h0m0s ahead"},
		"unknown patch":     {func(s *Statement) { s.Patches = []string{"nginx:9"} }, "patches not in the manifest: nginx:9"},
		"start now":         {func(s *Statement) { s.Start = StartNow }, "does not allow installing outside its window"},
	} {
		st := testStatement()
		c.change(&st)
		err := testExpectation().Check(st)
		require.ErrorContains(t, err, c.want, name)
		require.NotContains(t, err.Error(), "sre-oncall", "a refusal does not list the approvers")
	}
	e := testExpectation()
	e.StartNow = true
	now := testStatement()
	now.Start = StartNow
	require.NoError(t, e.Check(now))
}

func TestQuorumNeedsDistinctApproversOfTheSameDecision(t *testing.T) {
	q := Quorum{Required: 2}
	first := Verified{Statement: testStatement()}
	require.NoError(t, q.Admit(first))
	q.Approvals = append(q.Approvals, first)
	require.False(t, q.Complete())

	again := testStatement()
	again.Expires = testNow.Add(time.Hour)
	require.ErrorContains(t, q.Admit(Verified{Statement: again}), "has already approved")

	other := testStatement()
	other.Approver = "sre-oncall@example.com"
	other.Patches = []string{"openssl:1"}
	require.ErrorContains(t, q.Admit(Verified{Statement: other}), "differs from the pending one")

	other.Patches = nil
	other.Expires = testNow.Add(time.Hour)
	require.NoError(t, q.Admit(Verified{Statement: other}))
	q.Approvals = append(q.Approvals, Verified{Statement: other})
	require.True(t, q.Complete())
	require.Equal(t, testNow.Add(time.Hour), q.Expires())
}

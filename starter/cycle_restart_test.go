package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/workflows"
)

// A week's cycle that ended badly (here: terminated) can be started again;
// one that is running, or that completed, cannot.
func TestCycleStartAgainOnlyAfterAFailedRun(t *testing.T) {
	c := startCLIStack(t)
	start := func() (int, string, string) {
		return c.run("cycle", "start", "--group", "nonprod", "--cycle", "2026-W50", "--policy", c.policy)
	}
	code, out, errOut := start()
	require.Zero(t, code, errOut)
	require.Contains(t, out, "started patch-cycle/nonprod/2026-W50")

	code, _, errOut = start()
	require.Equal(t, 1, code, "a running cycle is not started twice")
	require.Contains(t, errOut, "already")

	tc, err := client.Dial(client.Options{HostPort: c.address, Namespace: c.ns, Logger: quietLogger{}})
	require.NoError(t, err)
	defer tc.Close()
	id := workflows.WorkflowID("nonprod", "2026-W50")
	require.NoError(t, tc.TerminateWorkflow(context.Background(), id, "", "test: the run failed"))

	code, out, errOut = start()
	require.Zero(t, code, errOut)
	require.Contains(t, out, "started patch-cycle/nonprod/2026-W50", "a failed week is started again")
}

package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	updatepb "go.temporal.io/api/update/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// sendUpdateAsTemporalCLI sends an update the way the Temporal CLI's
// `workflow update execute --input JSON` does: the JSON text as one
// json/plain payload in a raw UpdateWorkflowExecution request.
func sendUpdateAsTemporalCLI(ctx context.Context, c client.Client, ns, id, name, input string) (*workflowservice.UpdateWorkflowExecutionResponse, error) {
	return c.WorkflowService().UpdateWorkflowExecution(ctx, &workflowservice.UpdateWorkflowExecutionRequest{
		Namespace:         ns,
		WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id},
		WaitPolicy:        &updatepb.WaitPolicy{LifecycleStage: enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED},
		Request: &updatepb.Request{
			Meta: &updatepb.Meta{UpdateId: "temporal-cli-" + name + "-" + input[len(input)-12:]},
			Input: &updatepb.Input{Name: name, Args: &commonpb.Payloads{Payloads: []*commonpb.Payload{{
				Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(input)}}}},
		},
	})
}

// sshKeygen is OpenSSH's ssh-keygen; .ci/run installs it (openssh-client).
func sshKeygen(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ssh-keygen")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ssh-keygen not found; .ci/run installs openssh-client")
		}
		t.Skip("ssh-keygen not found (apt-get install openssh-client)")
	}
	return p
}

// The README's path for approvers without our CLI: print the statement
// with review --statement, sign it with `ssh-keygen -Y sign`, send
// {"statement", "signature"} as the approve update the way the Temporal CLI
// sends it. The unsigned payload of earlier versions is refused.
func TestSSHKeygenSignedApprovalSentAsTheTemporalCLISendsIt(t *testing.T) {
	keygen := sshKeygen(t)
	c := startCLIStack(t)
	tc, err := client.Dial(client.Options{HostPort: c.address, Namespace: c.ns, Logger: quietLogger{}})
	require.NoError(t, err)
	defer tc.Close()
	require.Zero(t, first(c.run("cycle", "start", "--group", "prod-sensitive", "--cycle", "2026-W48", "--now", "--policy", c.policy)))
	c.waitPhase("prod-sensitive", "2026-W48", "awaiting-approval")
	id := workflows.WorkflowID("prod-sensitive", "2026-W48")
	ctx := context.Background()

	_, out, _ := c.run("review", "--group", "prod-sensitive", "--cycle", "2026-W48", "--output", "json")
	var review struct{ Digest string }
	require.NoError(t, json.Unmarshal([]byte(out), &review))
	unsigned, _ := json.Marshal(map[string]string{"approver": "ops-lead@example.com", "digest": review.Digest})
	resp, err := sendUpdateAsTemporalCLI(ctx, tc, c.ns, id, workflows.ApproveName, string(unsigned))
	require.NoError(t, err)
	require.NotNil(t, resp.GetOutcome().GetFailure(), "an unsigned approval must be refused")
	require.Contains(t, resp.GetOutcome().GetFailure().GetMessage(), "no signed statement")

	code, text, errOut := c.run("review", "--group", "prod-sensitive", "--cycle", "2026-W48", "--statement",
		"--approver", "ops-lead@example.com", "--comment", "CAB-1234")
	require.Zero(t, code, errOut)
	stmt := filepath.Join(c.dir, "statement.txt")
	require.NoError(t, os.WriteFile(stmt, []byte(text), 0o600))
	sign := exec.Command(keygen, "-Y", "sign", "-n", "fleetpatch-approval", "-f", c.keys["ops-lead@example.com"], stmt)
	signOut, err := sign.CombinedOutput()
	require.NoError(t, err, "%s", signOut)
	sig, err := os.ReadFile(stmt + ".sig")
	require.NoError(t, err)
	// What jq -n --rawfile statement s.txt --rawfile signature s.txt.sig '{$statement, $signature}' prints.
	payload, _ := json.Marshal(map[string]string{"statement": text, "signature": string(sig)})
	resp, err = sendUpdateAsTemporalCLI(ctx, tc, c.ns, id, workflows.ApproveName, string(payload))
	require.NoError(t, err)
	require.Nil(t, resp.GetOutcome().GetFailure())
	// The result is encrypted; the Temporal CLI shows it with
	// --codec-endpoint (our codec server), here the codec decodes it.
	cdc, err := codec.Load(c.codecKeys)
	require.NoError(t, err)
	plain, err := cdc.Decode(resp.GetOutcome().GetSuccess().GetPayloads())
	require.NoError(t, err)
	var res workflows.DecisionResult
	require.NoError(t, json.Unmarshal(plain[0].GetData(), &res))
	require.Equal(t, "approved", res.Decision)
	c.waitPhase("prod-sensitive", "2026-W48", "completed")
}

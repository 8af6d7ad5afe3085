package main

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	updatepb "go.temporal.io/api/update/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/workflows"
)

// readmeApprovePayload returns the JSON the README gives to
// `temporal workflow update execute --name approve --input '...'`.
func readmeApprovePayload(t *testing.T) string {
	b, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	m := regexp.MustCompile(`--name approve \\\s*\n\s*--input '(\{[^']*\})'`).FindSubmatch(b)
	require.NotNil(t, m, "README shows no temporal workflow update execute --name approve --input '...'")
	return string(m[1])
}

// sendUpdateAsTemporalCLI sends an update the way the Temporal CLI's
// `workflow update execute --input JSON` does: the JSON text as one
// json/plain payload in a raw UpdateWorkflowExecution request.
func sendUpdateAsTemporalCLI(ctx context.Context, c client.Client, ns, id, name, input string) (*workflowservice.UpdateWorkflowExecutionResponse, error) {
	return c.WorkflowService().UpdateWorkflowExecution(ctx, &workflowservice.UpdateWorkflowExecutionRequest{
		Namespace:         ns,
		WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id},
		WaitPolicy:        &updatepb.WaitPolicy{LifecycleStage: enumspb.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_COMPLETED},
		Request: &updatepb.Request{
			Meta: &updatepb.Meta{UpdateId: "temporal-cli-" + name},
			Input: &updatepb.Input{Name: name, Args: &commonpb.Payloads{Payloads: []*commonpb.Payload{{
				Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(input)}}}},
		},
	})
}

// The README's documented approve payload, sent as the Temporal CLI sends
// it, approves a waiting cycle; with a wrong digest it is refused.
func TestReadmeApprovePayloadWorksAsTheTemporalCLISendsIt(t *testing.T) {
	c := startCLIStack(t)
	tc, err := client.Dial(client.Options{HostPort: c.address, Namespace: c.ns, Logger: quietLogger{}})
	require.NoError(t, err)
	defer tc.Close()
	require.Zero(t, first(c.run("cycle", "start", "--group", "prod-sensitive", "--cycle", "2026-W48", "--now", "--policy", examplePolicy)))
	c.waitPhase("prod-sensitive", "2026-W48", "awaiting-approval")
	_, out, _ := c.run("review", "--group", "prod-sensitive", "--cycle", "2026-W48", "--output", "json")
	var review struct{ Digest string }
	require.NoError(t, json.Unmarshal([]byte(out), &review))

	doc := readmeApprovePayload(t)
	id := workflows.WorkflowID("prod-sensitive", "2026-W48")
	ctx := context.Background()

	resp, err := sendUpdateAsTemporalCLI(ctx, tc, c.ns, id, workflows.ApproveName, doc)
	require.NoError(t, err)
	require.NotNil(t, resp.GetOutcome().GetFailure(), "the README's placeholder digest must be refused")
	require.Contains(t, resp.GetOutcome().GetFailure().GetMessage(), "does not match the manifest's digest")

	resp, err = sendUpdateAsTemporalCLI(ctx, tc, c.ns, id, workflows.ApproveName, strings.Replace(doc, "sha256:…", review.Digest, 1))
	require.NoError(t, err)
	require.Nil(t, resp.GetOutcome().GetFailure())
	var res workflows.DecisionResult
	require.NoError(t, json.Unmarshal(resp.GetOutcome().GetSuccess().GetPayloads()[0].GetData(), &res))
	require.Equal(t, "approved", res.Decision)
	c.waitPhase("prod-sensitive", "2026-W48", "completed")
}

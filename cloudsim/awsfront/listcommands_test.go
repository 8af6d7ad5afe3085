package awsfront_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestListCommandsFiltersPagesAndErrors(t *testing.T) {
	f := cloudsim.Generate(cloudsim.Config{Seed: 3, Instances: 80, AzureShare: -1, Speed: 1, Timing: &cloudsim.Timing{}})
	front := awsfront.New(f, awsfront.Options{PageSize: 2})
	srv := httptest.NewServer(front)
	defer func() { srv.Close(); front.Close() }()
	const key = "ASIA111111111111ABCD"
	mine, err := f.Discover(t.Context(), fleet.Selector{Accounts: []string{"111111111111"}, Regions: []string{"eu-west-1"}})
	require.NoError(t, err)
	before := time.Now().Add(-time.Second).UTC().Format(time.RFC3339)
	var sent []string
	for i := 0; i < 3; i++ {
		status, out := call(t, srv.URL, key, "eu-west-1", "SendCommand",
			`{"DocumentName":"AWS-RunPatchBaseline","InstanceIds":["`+mine[i].ID+`"],"Comment":"fleetpatch scan x","Parameters":{"Operation":["Scan"]}}`)
		require.Equal(t, http.StatusOK, status)
		sent = append(sent, out["Command"].(map[string]any)["CommandId"].(string))
	}
	filters := `"Filters":[{"key":"DocumentName","value":"AWS-RunPatchBaseline"},{"key":"InvokedAfter","value":"` + before + `"}]`

	// Newest first, two per page, NextToken to the end.
	var got []string
	token := ""
	for page := 0; ; page++ {
		body := `{` + filters + `,"MaxResults":50`
		if token != "" {
			body += `,"NextToken":"` + token + `"`
		}
		status, out := call(t, srv.URL, key, "eu-west-1", "ListCommands", body+`}`)
		require.Equal(t, http.StatusOK, status, out)
		for _, c := range out["Commands"].([]any) {
			cmd := c.(map[string]any)
			got = append(got, cmd["CommandId"].(string))
			require.Equal(t, "fleetpatch scan x", cmd["Comment"])
			require.Equal(t, []any{"Scan"}, cmd["Parameters"].(map[string]any)["Operation"])
		}
		token, _ = out["NextToken"].(string)
		if token == "" {
			require.Equal(t, 1, page)
			break
		}
	}
	require.Equal(t, []string{sent[2], sent[1], sent[0]}, got)

	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	_, out := call(t, srv.URL, key, "eu-west-1", "ListCommands", `{"Filters":[{"key":"InvokedAfter","value":"`+future+`"}]}`)
	require.Empty(t, out["Commands"])
	_, out = call(t, srv.URL, key, "eu-west-1", "ListCommands", `{"Filters":[{"key":"InvokedBefore","value":"`+future+`"}],"MaxResults":5}`)
	require.Len(t, out["Commands"], 2, "capped at the page size")
	_, out = call(t, srv.URL, key, "eu-west-1", "ListCommands", `{"Filters":[{"key":"DocumentName","value":"AWS-RunShellScript"}]}`)
	require.Empty(t, out["Commands"])
	_, out = call(t, srv.URL, "ASIA222222222222ABCD", "eu-west-1", "ListCommands", `{}`)
	require.Empty(t, out["Commands"], "another account sees none")
	require.Eventually(t, func() bool {
		_, out := call(t, srv.URL, key, "eu-west-1", "ListCommands", `{"Filters":[{"key":"ExecutionStage","value":"Executing"}]}`)
		return len(out["Commands"].([]any)) == 0
	}, 5*time.Second, 5*time.Millisecond)
	_, out = call(t, srv.URL, key, "eu-west-1", "ListCommands", `{"Filters":[{"key":"Status","value":"Success"}],"InstanceId":"`+mine[1].ID+`"}`)
	require.Len(t, out["Commands"], 1)
	require.Equal(t, sent[1], out["Commands"].([]any)[0].(map[string]any)["CommandId"])
	_, out = call(t, srv.URL, key, "eu-west-1", "ListCommands", `{"Filters":[{"key":"ExecutionStage","value":"Complete"}],"CommandId":"`+sent[0]+`"}`)
	require.Len(t, out["Commands"], 1)

	for body, code := range map[string]string{
		`{"Filters":[{"key":"Colour","value":"x"}]}`:               "InvalidFilterKey",
		`{"Filters":[{"key":"InvokedAfter","value":"yesterday"}]}`: "ValidationException",
		`{"Filters":[{"key":"Status","value":"Sleeping"}]}`:        "ValidationException",
		`{"MaxResults":51}`:   "ValidationException",
		`{"NextToken":"%%%"}`: "InvalidNextToken",
		`{"CommandId":"00000000-0000-4000-8000-000000000000"}`:       "InvalidCommandId",
		`{"Filters":[{"key":"ExecutionStage","value":"Sometimes"}]}`: "ValidationException",
	} {
		status, out := call(t, srv.URL, key, "eu-west-1", "ListCommands", body)
		require.Equal(t, http.StatusBadRequest, status, body)
		require.Equal(t, code, out["__type"], body)
	}
	calls := front.Calls()
	require.Equal(t, "ListCommands", calls[len(calls)-1].Op)
	require.Equal(t, "InvalidFilterKey", func() string {
		for _, c := range calls {
			if c.Op == "ListCommands" && c.Error == "InvalidFilterKey" {
				return c.Error
			}
		}
		return ""
	}())
}

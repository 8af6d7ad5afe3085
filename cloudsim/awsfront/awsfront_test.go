package awsfront_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// call posts an awsJson1_1 request signed (in form only) with the key.
func call(t *testing.T, url, key, region, op, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("X-Amz-Target", "AmazonSSM."+op)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+key+"/20261124/"+region+"/ssm/aws4_request, SignedHeaders=host, Signature=00")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

func TestSSMErrorsPaginationAndAccountIsolation(t *testing.T) {
	f := cloudsim.Generate(cloudsim.Config{Seed: 3, Instances: 80, AzureShare: -1, Speed: 1, Timing: &cloudsim.Timing{}})
	front := awsfront.New(f, awsfront.Options{PageSize: 3})
	srv := httptest.NewServer(front)
	defer func() { srv.Close(); front.Close() }()
	const key = "ASIA111111111111ABCD" // an assumed-role key of account 111111111111
	mine, err := f.Discover(t.Context(), fleet.Selector{Accounts: []string{"111111111111"}, Regions: []string{"eu-west-1"}})
	require.NoError(t, err)
	other, err := f.Discover(t.Context(), fleet.Selector{Accounts: []string{"222222222222"}})
	require.NoError(t, err)

	status, out := call(t, srv.URL, key, "eu-west-1", "DescribeInstanceInformation", `{}`)
	require.Equal(t, http.StatusOK, status)
	require.Len(t, out["InstanceInformationList"], 3)
	require.NotEmpty(t, out["NextToken"])

	status, out = call(t, srv.URL, key, "eu-west-1", "DescribeInstancePatches", `{"InstanceId":"`+other[0].ID+`"}`)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "InvalidInstanceId", out["__type"])
	require.NotEmpty(t, out["message"])

	ids := make([]string, 51)
	for i := range ids {
		ids[i] = mine[0].ID
	}
	b, _ := json.Marshal(map[string]any{"DocumentName": "AWS-RunPatchBaseline", "InstanceIds": ids, "Parameters": map[string][]string{"Operation": {"Scan"}}})
	status, out = call(t, srv.URL, key, "eu-west-1", "SendCommand", string(b))
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "ValidationException", out["__type"])

	status, out = call(t, srv.URL, key, "eu-west-1", "SendCommand",
		`{"DocumentName":"AWS-RunPatchBaseline","InstanceIds":["`+mine[0].ID+`"],"Parameters":{"Operation":["Scan"]}}`)
	require.Equal(t, http.StatusOK, status)
	id := out["Command"].(map[string]any)["CommandId"].(string)
	_, out = call(t, srv.URL, key, "eu-west-1", "ListCommandInvocations", `{"CommandId":"`+id+`"}`)
	require.Empty(t, out["CommandInvocations"], "no invocation right after SendCommand")
	status, out = call(t, srv.URL, "ASIA222222222222ABCD", "eu-west-1", "ListCommandInvocations", `{"CommandId":"`+id+`"}`)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "InvalidCommandId", out["__type"], "another account cannot see the command")

	front.SetThrottle(awsfront.Throttle{Every: 1})
	status, out = call(t, srv.URL, key, "eu-west-1", "DescribeInstanceInformation", `{}`)
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "ThrottlingException", out["__type"])
	calls := front.Calls()
	require.Equal(t, "ThrottlingException", calls[len(calls)-1].Error)
}

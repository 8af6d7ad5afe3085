package awsfront_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
)

func TestScriptDocumentsRunApartFromPatchCommands(t *testing.T) {
	clock := cloudsim.NewVirtualClock(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	f := cloudsim.Generate(cloudsim.Config{Seed: 3, Instances: 60, AzureShare: -1, Clock: clock,
		OSMix: []cloudsim.Share{{Key: cloudsim.ProductUbuntu2204, Weight: 3}, {Key: cloudsim.ProductWindows2022, Weight: 1}}})
	front := awsfront.New(f, awsfront.Options{InvocationLag: -1})
	srv := httptest.NewServer(front)
	defer func() { srv.Close(); front.Close() }()
	var linux, windows, account, region string
	for _, in := range f.Instances() {
		if in.OS.IsWindows() {
			windows, account, region = in.ID, in.Account, in.Region
			break
		}
	}
	for _, in := range f.Instances() {
		if !in.OS.IsWindows() && in.Account == account && in.Region == region {
			linux = in.ID
			break
		}
	}
	require.NotEmpty(t, linux)
	require.NotEmpty(t, windows)
	key := "ASIA" + account + "ABCD" // an assumed-role key of the account
	f.SetCommandResult(linux, 7, "broken")

	send := func(body map[string]any) (int, map[string]any) {
		b, _ := json.Marshal(body)
		return call(t, srv.URL, key, region, "SendCommand", string(b))
	}
	status, out := send(map[string]any{"DocumentName": "AWS-RunShellScript", "InstanceIds": []string{linux, windows},
		"Parameters": map[string][]string{"commands": {"exit 7"}, "executionTimeout": {"999999"}}})
	require.Equal(t, http.StatusBadRequest, status)
	assert.Equal(t, "InvalidParameters", out["__type"], "executionTimeout is at most 172800")

	status, out = send(map[string]any{"DocumentName": "AWS-RunShellScript", "InstanceIds": []string{linux, windows},
		"Parameters": map[string][]string{"commands": {"exit 7"}, "executionTimeout": {"60"}}})
	require.Equal(t, http.StatusOK, status)
	cmd := out["Command"].(map[string]any)
	assert.Equal(t, "AWS-RunShellScript", cmd["DocumentName"])
	id := cmd["CommandId"].(string)

	require.Eventually(t, func() bool {
		_, out = call(t, srv.URL, key, region, "ListCommandInvocations", `{"CommandId":"`+id+`","Details":true}`)
		for _, inv := range out["CommandInvocations"].([]any) {
			if inv.(map[string]any)["Status"] == "InProgress" {
				return false
			}
		}
		return len(out["CommandInvocations"].([]any)) == 2
	}, 5*time.Second, 5*time.Millisecond)
	byID := map[string]map[string]any{}
	for _, inv := range out["CommandInvocations"].([]any) {
		m := inv.(map[string]any)
		byID[m["InstanceId"].(string)] = m
		assert.Equal(t, "AWS-RunShellScript", m["DocumentName"])
	}
	plugin := byID[linux]["CommandPlugins"].([]any)[0].(map[string]any)
	assert.Equal(t, "Failed", byID[linux]["Status"])
	assert.Equal(t, "aws:runShellScript", plugin["Name"])
	assert.EqualValues(t, 7, plugin["ResponseCode"])
	assert.Contains(t, plugin["Output"], "failed to run commands: exit status 7")
	assert.Equal(t, "InvalidPlatform", byID[windows]["StatusDetails"], "a shell script does not run on Windows")

	_, out = call(t, srv.URL, key, region, "ListCommands", `{"Filters":[{"key":"DocumentName","value":"AWS-RunPatchBaseline"}]}`)
	assert.Empty(t, out["Commands"], "script commands are not patch commands")
	status, _ = call(t, srv.URL, key, region, "CancelCommand", `{"CommandId":"`+id+`"}`)
	assert.Equal(t, http.StatusOK, status)
	var ops []string
	for _, c := range front.Calls() {
		if c.Op == "SendCommand" && c.Error == "" {
			ops = append(ops, c.Operation)
		}
	}
	assert.Equal(t, []string{"AWS-RunShellScript"}, ops, "the call log names the document")
}

package awsfront_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// sendInstall sends AWS-RunPatchBaseline Install to one instance with a
// delivery timeout and returns the HTTP status and the answer.
func sendInstall(t *testing.T, url, key, id string, timeoutSeconds int) (int, map[string]any) {
	t.Helper()
	b, err := json.Marshal(map[string]any{"DocumentName": "AWS-RunPatchBaseline", "InstanceIds": []string{id},
		"Parameters": map[string][]string{"Operation": {"Install"}, "RebootOption": {"NoReboot"}}, "TimeoutSeconds": timeoutSeconds})
	require.NoError(t, err)
	return call(t, url, key, "eu-west-1", "SendCommand", string(b))
}

// invocation waits until the command's invocation has ended and returns
// its status and status details.
func invocation(t *testing.T, url, key, commandID string) (status, details string) {
	t.Helper()
	require.Eventually(t, func() bool {
		code, out := call(t, url, key, "eu-west-1", "ListCommandInvocations", `{"CommandId":"`+commandID+`"}`)
		require.Equal(t, http.StatusOK, code)
		list, _ := out["CommandInvocations"].([]any)
		if len(list) == 0 {
			return false
		}
		inv := list[0].(map[string]any)
		status, details = inv["Status"].(string), inv["StatusDetails"].(string)
		return status != "InProgress"
	}, 10*time.Second, time.Millisecond)
	return status, details
}

func commandID(out map[string]any) string {
	return out["Command"].(map[string]any)["CommandId"].(string)
}

func TestDeliveryTimeoutAndDeniedActions(t *testing.T) {
	f := cloudsim.Generate(cloudsim.Config{Seed: 3, Instances: 80, AzureShare: -1,
		Clock:  cloudsim.NewVirtualClock(time.Date(2026, 11, 24, 22, 0, 0, 0, time.UTC)),
		Timing: &cloudsim.Timing{InstallPerPackage: time.Minute, Reboot: time.Hour, RebootMaxWait: 2 * time.Hour}})
	front := awsfront.New(f, awsfront.Options{})
	srv := httptest.NewServer(front)
	defer func() { srv.Close(); front.Close() }()
	const key = "ASIA111111111111ABCD" // an assumed-role key of account 111111111111
	mine, err := f.Discover(t.Context(), fleet.Selector{Accounts: []string{"111111111111"}, Regions: []string{"eu-west-1"}})
	require.NoError(t, err)
	var needy []string
	for _, in := range mine {
		if p, _ := f.PendingPatches(in.ID); len(p) > 0 {
			needy = append(needy, in.ID)
		}
	}
	require.GreaterOrEqual(t, len(needy), 2)

	// TimeoutSeconds out of SendCommand's range is refused.
	for _, v := range []int{10, 2592001} {
		code, out := sendInstall(t, srv.URL, key, needy[0], v)
		require.Equal(t, http.StatusBadRequest, code)
		require.Equal(t, "ValidationException", out["__type"])
	}

	// A rebooting instance (back in an hour) gets the command only if it
	// is back before the delivery timeout.
	require.NoError(t, f.Reboot(needy[:2]))
	code, out := sendInstall(t, srv.URL, key, needy[0], 1800)
	require.Equal(t, http.StatusOK, code)
	status, details := invocation(t, srv.URL, key, commandID(out))
	require.Equal(t, "TimedOut", status)
	require.Equal(t, "DeliveryTimedOut", details)
	require.Zero(t, f.InstallCount(needy[0]), "never started")

	code, out = sendInstall(t, srv.URL, key, needy[1], 2*3600)
	require.Equal(t, http.StatusOK, code)
	status, _ = invocation(t, srv.URL, key, commandID(out))
	require.Equal(t, "Success", status)
	require.Equal(t, 1, f.InstallCount(needy[1]))

	// A denied action answers AccessDeniedException, naming the action.
	front.DenyAction("111111111111", "ssm:SendCommand", "no identity-based policy allows the ssm:SendCommand action")
	code, out = sendInstall(t, srv.URL, key, needy[0], 3600)
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, "AccessDeniedException", out["__type"])
	require.Contains(t, out["message"], "is not authorized to perform: ssm:SendCommand on resource: arn:aws:ssm:eu-west-1:111111111111:")
	calls := front.Calls()
	require.Equal(t, "AccessDeniedException", calls[len(calls)-1].Error)
	code, _ = call(t, srv.URL, "ASIA222222222222ABCD", "eu-west-1", "DescribeInstanceInformation", `{}`)
	require.Equal(t, http.StatusOK, code, "other accounts and actions are allowed")
	front.DenyAction("111111111111", "ssm:SendCommand", "")
	code, _ = sendInstall(t, srv.URL, key, needy[0], 3600)
	require.Equal(t, http.StatusOK, code)
}

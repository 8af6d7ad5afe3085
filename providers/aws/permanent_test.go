package aws_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestAccessDeniedOnSendCommandIsOnePermanentError(t *testing.T) {
	e := newEnv(t, 90, nil, awsfrontOpts(), nil)
	ids := e.needyIn(3)
	e.front.DenyAction("111111111111", "ssm:SendCommand", "no identity-based policy allows the ssm:SendCommand action")
	_, err := e.prov.Install(context.Background(), e.installRequest(ids, fleet.NoReboot), nil)
	require.ErrorIs(t, err, fleet.ErrPermanent)
	require.False(t, errors.Is(err, fleet.ErrThrottled))
	msg := err.Error()
	require.NotContains(t, msg, "\n", "one line")
	for _, want := range []string{"SendCommand", "account 111111111111", "region eu-west-1", "AccessDeniedException", "denied action ssm:SendCommand",
		"because no identity-based policy allows the ssm:SendCommand action"} {
		require.Contains(t, msg, want)
	}
	require.NotContains(t, msg, "RequestID", "AWS's message, not the SDK's envelope")
	require.Equal(t, 1, e.calls("SendCommand"), "one attempt: the SDK does not retry a denial")
	for _, id := range ids {
		require.Zero(t, e.fleet.InstallCount(id), id)
	}

	// Allowed again, the same call installs.
	e.front.DenyAction("111111111111", "ssm:SendCommand", "")
	res, err := e.prov.Install(context.Background(), e.installRequest(ids, fleet.NoReboot), nil)
	require.NoError(t, err)
	for _, i := range res.Instances {
		require.False(t, i.Failed(), "%s: %s", i.InstanceID, i.Error)
	}
}

func TestDeniedDiscoveryIsNotRetried(t *testing.T) {
	e := newEnv(t, 60, nil, awsfrontOpts(), nil)
	e.front.DenyAction("333333333333", "ssm:DescribeInstanceInformation", "an explicit deny in a service control policy")
	_, err := e.prov.Discover(context.Background(), fleet.Selector{})
	require.ErrorIs(t, err, fleet.ErrPermanent)
	require.Contains(t, err.Error(), "account 333333333333")
	require.Contains(t, err.Error(), "denied action ssm:DescribeInstanceInformation")
	denied := 0
	for _, c := range e.front.Calls() {
		if c.Account == "333333333333" && c.Error == "AccessDeniedException" {
			denied++
		}
	}
	require.Equal(t, 1, denied, "one attempt")
	require.True(t, strings.HasPrefix(err.Error(), "aws: discover in account 333333333333 region "), err.Error())
}

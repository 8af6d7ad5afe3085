package azure_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func TestAuthorizationFailedOnInstallPatchesIsOnePermanentError(t *testing.T) {
	e := newEnv(t, 60, azurefront.Options{}, nil)
	id := e.needy(fleet.OSUbuntu)[0]
	in, _ := e.fleet.Instance(id)
	req := e.installRequest(t, []string{id})
	const action = "Microsoft.Compute/virtualMachines/installPatches/action"
	e.front.DenyAction(in.Account, action, "the fleetpatch identity has Reader only")
	_, err := e.prov.Install(t.Context(), req, nil)
	require.ErrorIs(t, err, fleet.ErrPermanent)
	require.False(t, errors.Is(err, fleet.ErrThrottled))
	msg := err.Error()
	require.NotContains(t, msg, "\n", "one line")
	for _, want := range []string{"azure: subscription " + in.Account, "installPatches", "AuthorizationFailed (HTTP 403)",
		"denied permission " + action, "the fleetpatch identity has Reader only"} {
		require.Contains(t, msg, want)
	}
	require.NotContains(t, msg, "RESPONSE", "ARM's message, not azcore's dump")
	require.Equal(t, 1, e.installPatchesCalls(), "one attempt: azcore does not retry a 403")
	require.Zero(t, e.fleet.InstallCount(id))

	// Allowed again, the same call installs.
	e.front.DenyAction(in.Account, action, "")
	res, err := e.prov.Install(t.Context(), req, nil)
	require.NoError(t, err)
	require.False(t, res.Instances[0].Failed(), res.Instances[0].Error)
}

func TestAMissingVMAmongOthersStaysItsOwnError(t *testing.T) {
	e := newEnv(t, 60, azurefront.Options{}, nil)
	id := e.needy(fleet.OSUbuntu)[0]
	gone := id[:strings.LastIndex(id, "/")+1] + "decommissioned-vm"
	res, err := e.prov.Scan(t.Context(), []string{id, gone}, nil)
	require.NoError(t, err)
	require.Empty(t, res.Instances[0].Error)
	require.Contains(t, res.Instances[1].Error, "ResourceNotFound")
}

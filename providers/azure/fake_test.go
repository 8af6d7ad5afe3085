package azure_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7/fake"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/providers/azure"
)

const fakeVM = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-a/providers/Microsoft.Compute/virtualMachines/vm-1"

// fakeProvider returns a provider whose VM calls go to the SDK's fake
// server.
func fakeProvider(t *testing.T, srv *fake.VirtualMachinesServer) *azure.Provider {
	p, err := azure.New(azure.Config{Targets: []policy.AzureSubscription{{ID: "00000000-0000-0000-0000-000000000001"}},
		Credential: &azfake.TokenCredential{}, Transport: fake.NewVirtualMachinesServerTransport(srv), PollInterval: time.Millisecond})
	require.NoError(t, err)
	return p
}

func TestInstallSendsExactlyTheManifestAndMapsTheResult(t *testing.T) {
	var got armcompute.VirtualMachineInstallPatchesParameters
	srv := &fake.VirtualMachinesServer{
		BeginInstallPatches: func(_ context.Context, rg, vm string, in armcompute.VirtualMachineInstallPatchesParameters,
			_ *armcompute.VirtualMachinesClientBeginInstallPatchesOptions) (resp azfake.PollerResponder[armcompute.VirtualMachinesClientInstallPatchesResponse], errResp azfake.ErrorResponder) {
			got = in
			resp.SetTerminalResponse(http.StatusOK, armcompute.VirtualMachinesClientInstallPatchesResponse{
				VirtualMachineInstallPatchesResult: armcompute.VirtualMachineInstallPatchesResult{
					Status:       to.Ptr(armcompute.PatchOperationStatusCompletedWithWarnings),
					RebootStatus: to.Ptr(armcompute.VMGuestPatchRebootStatusNotNeeded),
					Patches: []*armcompute.PatchInstallationDetail{
						{Name: to.Ptr("openssl"), Version: to.Ptr("3.0.2-0ubuntu1.18"), InstallationState: to.Ptr(armcompute.PatchInstallationStateInstalled)},
						{Name: to.Ptr("libc6"), Version: to.Ptr("2.35-0ubuntu3.8"), InstallationState: to.Ptr(armcompute.PatchInstallationStateFailed)},
					}}}, nil)
			return
		},
	}
	p := fakeProvider(t, srv)
	patches := []fleet.Patch{
		{ID: "openssl:3.0.2-0ubuntu1.18", Name: "openssl", Version: "3.0.2-0ubuntu1.18", OS: fleet.OSUbuntu},
		{ID: "libc6:2.35-0ubuntu3.8", Name: "libc6", Version: "2.35-0ubuntu3.8", OS: fleet.OSUbuntu, RequiresReboot: true},
	}
	res, err := p.Install(t.Context(), fleet.InstallRequest{CycleID: "c1", Patches: patches, Reboot: fleet.NoReboot,
		Deadline:  time.Now().Add(90*time.Minute + 30*time.Second),
		Instances: []fleet.InstanceInstallRequest{{InstanceID: fakeVM, PatchIDs: []string{patches[0].ID, patches[1].ID}}}}, nil)
	require.NoError(t, err)

	require.Equal(t, armcompute.VMGuestPatchRebootSettingNever, *got.RebootSetting)
	require.Equal(t, "PT1H30M", *got.MaximumDuration)
	require.Nil(t, got.WindowsParameters)
	require.Empty(t, got.LinuxParameters.ClassificationsToInclude, "nothing but the manifest")
	require.Empty(t, got.LinuxParameters.PackageNameMasksToExclude)
	require.Equal(t, []*string{to.Ptr("openssl=3.0.2-0ubuntu1.18"), to.Ptr("libc6=2.35-0ubuntu3.8")}, got.LinuxParameters.PackageNameMasksToInclude)

	r := res.Instances[0]
	require.Equal(t, fleet.StateInstalled, r.Changes[0].State)
	require.Equal(t, "3.0.2-0ubuntu1.18", r.Changes[0].ToVersion)
	require.Equal(t, fleet.StateFailed, r.Changes[1].State)
	require.False(t, r.Rebooted)
}

func TestWindowsInstallSendsKBNumbers(t *testing.T) {
	var got armcompute.VirtualMachineInstallPatchesParameters
	srv := &fake.VirtualMachinesServer{
		BeginInstallPatches: func(_ context.Context, rg, vm string, in armcompute.VirtualMachineInstallPatchesParameters,
			_ *armcompute.VirtualMachinesClientBeginInstallPatchesOptions) (resp azfake.PollerResponder[armcompute.VirtualMachinesClientInstallPatchesResponse], errResp azfake.ErrorResponder) {
			got = in
			resp.AddNonTerminalResponse(http.StatusAccepted, nil)
			resp.SetTerminalResponse(http.StatusOK, armcompute.VirtualMachinesClientInstallPatchesResponse{
				VirtualMachineInstallPatchesResult: armcompute.VirtualMachineInstallPatchesResult{
					Status: to.Ptr(armcompute.PatchOperationStatusSucceeded), RebootStatus: to.Ptr(armcompute.VMGuestPatchRebootStatusCompleted),
					Patches: []*armcompute.PatchInstallationDetail{{KbID: to.Ptr("5041160"), InstallationState: to.Ptr(armcompute.PatchInstallationStateInstalled)}}}}, nil)
			return
		},
	}
	p := fakeProvider(t, srv)
	kb := fleet.Patch{ID: "KB5041160", KB: "KB5041160", Name: "2024-08 Cumulative Update", OS: fleet.OSWindows, RequiresReboot: true}
	res, err := p.Install(t.Context(), fleet.InstallRequest{CycleID: "c1", Patches: []fleet.Patch{kb}, Reboot: fleet.RebootIfNeeded,
		Instances: []fleet.InstanceInstallRequest{{InstanceID: fakeVM, PatchIDs: []string{kb.ID}}}}, nil)
	require.NoError(t, err)
	require.Equal(t, armcompute.VMGuestPatchRebootSettingIfRequired, *got.RebootSetting)
	require.Equal(t, "PT4H", *got.MaximumDuration, "no deadline: Azure's maximum")
	require.Nil(t, got.LinuxParameters)
	require.Equal(t, []*string{to.Ptr("5041160")}, got.WindowsParameters.KbNumbersToInclude)
	require.Empty(t, got.WindowsParameters.ClassificationsToInclude)
	require.True(t, res.Instances[0].Rebooted)
	require.Equal(t, fleet.StateInstalled, res.Instances[0].Changes[0].State, "rebooted: installed, not pending")
}

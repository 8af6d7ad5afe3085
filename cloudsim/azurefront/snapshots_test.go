package azurefront_test

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// armDo sends an ARM request with a bearer token and decodes the JSON
// answer (nil when there is none).
func armDo(t *testing.T, c *http.Client, method, url, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(b) > 0 {
		require.NoError(t, json.Unmarshal(b, &out), string(b))
	}
	return resp.StatusCode, resp.Header, out
}

func TestManagedDiskSnapshots(t *testing.T) {
	clock := cloudsim.NewManualClock(time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC))
	f := cloudsim.Generate(cloudsim.Config{Seed: 9, Instances: 60, Clock: clock, AzureShare: 0.7, Timing: &cloudsim.Timing{Snapshot: 10 * time.Minute}})
	var vm fleet.Instance
	var disks []cloudsim.Disk
	for _, in := range f.Instances() {
		if d, _ := f.Disks(in.ID); in.Cloud == fleet.CloudAzure && vm.ID == "" && len(d) == 2 {
			vm, disks = in, d
		}
	}
	require.NotEmpty(t, vm.ID, "an Azure VM with a data disk")
	s := azurefront.New(f, azurefront.Options{PageSize: 1})
	url, err := s.Start()
	require.NoError(t, err)
	defer s.Close()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CertPool(), MinVersion: tls.VersionTLS12}}}
	const api = "?api-version=2025-01-02"

	// The VM's storageProfile names its disks.
	code, _, body := armDo(t, c, http.MethodGet, url+vm.ID+api, "")
	require.Equal(t, http.StatusOK, code)
	storage := body["properties"].(map[string]any)["storageProfile"].(map[string]any)
	assert.Equal(t, disks[0].ID, storage["osDisk"].(map[string]any)["managedDisk"].(map[string]any)["id"])
	data := storage["dataDisks"].([]any)[0].(map[string]any)
	assert.Equal(t, disks[1].ID, data["managedDisk"].(map[string]any)["id"])
	assert.EqualValues(t, 0, data["lun"])

	// PUT: 202 with the operation, Creating until the fleet completes it.
	rg := "/subscriptions/" + vm.Account + "/resourceGroups/" + vm.ResourceGroup
	snap := rg + "/providers/Microsoft.Compute/snapshots/fp-os-1"
	put := func(disk string) string {
		return fmt.Sprintf(`{"location":%q,"tags":{"fleetpatch:key":"k1"},"properties":{"creationData":{"createOption":"Copy","sourceResourceId":%q}}}`, vm.Region, disk)
	}
	code, h, body := armDo(t, c, http.MethodPut, url+snap+api, put(disks[0].ID))
	require.Equal(t, http.StatusAccepted, code)
	require.Equal(t, "Creating", body["properties"].(map[string]any)["provisioningState"])
	asyncURL := h.Get("Azure-AsyncOperation")
	require.Contains(t, asyncURL, "/providers/Microsoft.Compute/locations/"+vm.Region+"/operations/")
	_, _, st := armDo(t, c, http.MethodGet, asyncURL, "")
	require.Equal(t, "InProgress", st["status"])
	require.Eventually(t, func() bool { return clock.Sleepers() == 1 }, 5*time.Second, time.Millisecond)
	clock.Advance(10 * time.Minute)
	require.Eventually(t, func() bool {
		_, _, st = armDo(t, c, http.MethodGet, asyncURL, "")
		return st["status"] == "Succeeded"
	}, 5*time.Second, 5*time.Millisecond)
	code, _, body = armDo(t, c, http.MethodGet, url+snap+api, "")
	require.Equal(t, http.StatusOK, code)
	props := body["properties"].(map[string]any)
	assert.Equal(t, "Succeeded", props["provisioningState"])
	assert.Equal(t, disks[0].ID, props["creationData"].(map[string]any)["sourceResourceId"])
	assert.Equal(t, map[string]any{"fleetpatch:key": "k1"}, body["tags"])

	// PUT again: idempotent; of another disk: refused.
	code, h, _ = armDo(t, c, http.MethodPut, url+snap+api, put(disks[0].ID))
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, h.Get("Azure-AsyncOperation"))
	code, _, body = armDo(t, c, http.MethodPut, url+snap+api, put(disks[1].ID))
	require.Equal(t, http.StatusConflict, code)
	require.Equal(t, "PropertyChangeNotAllowed", body["error"].(map[string]any)["code"])
	require.Len(t, f.Snapshots(), 1)

	// Refused PUTs.
	for _, tc := range []struct {
		path, body, code string
	}{
		{rg + "/providers/Microsoft.Compute/snapshots/bad.name", put(disks[0].ID), "InvalidParameter"},
		{"/subscriptions/" + vm.Account + "/resourceGroups/rg-nope/providers/Microsoft.Compute/snapshots/s", put(disks[0].ID), "ResourceGroupNotFound"},
		{rg + "/providers/Microsoft.Compute/snapshots/s", put(rg + "/providers/Microsoft.Compute/disks/nope"), "NotFound"},
		{rg + "/providers/Microsoft.Compute/snapshots/s", `{"properties":{"creationData":{"createOption":"Copy"}}}`, "LocationRequired"},
	} {
		_, _, body = armDo(t, c, http.MethodPut, url+tc.path+api, tc.body)
		require.Equal(t, tc.code, body["error"].(map[string]any)["code"], tc.path)
	}

	// A second snapshot, then the list pages by one.
	code, _, _ = armDo(t, c, http.MethodPut, url+rg+"/providers/Microsoft.Compute/snapshots/fp-lun0-1"+api, put(disks[1].ID))
	require.Equal(t, http.StatusAccepted, code)
	var names []string
	next := url + "/subscriptions/" + vm.Account + "/providers/Microsoft.Compute/snapshots" + api
	for next != "" {
		code, _, body = armDo(t, c, http.MethodGet, next, "")
		require.Equal(t, http.StatusOK, code)
		for _, v := range body["value"].([]any) {
			names = append(names, v.(map[string]any)["name"].(string))
		}
		next, _ = body["nextLink"].(string)
	}
	require.Equal(t, []string{"fp-os-1", "fp-lun0-1"}, names)

	// DELETE: 202 and gone, then 204.
	code, h, _ = armDo(t, c, http.MethodDelete, url+snap+api, "")
	require.Equal(t, http.StatusAccepted, code)
	require.NotEmpty(t, h.Get("Azure-AsyncOperation"))
	code, _, body = armDo(t, c, http.MethodGet, url+snap+api, "")
	require.Equal(t, http.StatusNotFound, code)
	require.Equal(t, "ResourceNotFound", body["error"].(map[string]any)["code"])
	code, _, _ = armDo(t, c, http.MethodDelete, url+snap+api, "")
	require.Equal(t, http.StatusNoContent, code)
	require.False(t, f.Snapshots()[0].Deleted.IsZero())

	// A denied write is refused with ARM's 403.
	s.DenyAction(vm.Account, "Microsoft.Compute/snapshots/write", "no role assignment grants it")
	code, _, body = armDo(t, c, http.MethodPut, url+snap+api, put(disks[0].ID))
	require.Equal(t, http.StatusForbidden, code)
	require.Equal(t, "AuthorizationFailed", body["error"].(map[string]any)["code"])
	require.Len(t, f.Snapshots(), 2)
}

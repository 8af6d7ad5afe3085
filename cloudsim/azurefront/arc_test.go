package azurefront_test

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// send sends a JSON body with a token and returns the status and ARM error code.
func send(t *testing.T, c *http.Client, method, url, body string) (int, string) {
	t.Helper()
	if method == http.MethodPost {
		code, _, e := post(t, c, url, "t", body)
		return code, e["error"]["code"]
	}
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer t")
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode, ""
}

func TestArcEndpointsServeOnlyArcMachinesAndTheProvidersRequests(t *testing.T) {
	f := cloudsim.Generate(cloudsim.Config{Seed: 1, Instances: 40, AzureShare: 0.6, Now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	var vm string
	for _, in := range f.Instances() {
		if in.Cloud == fleet.CloudAzure {
			vm = in.ID
			break
		}
	}
	require.NotEmpty(t, vm)
	s := azurefront.New(f, azurefront.Options{ArcMachines: []string{vm}})
	url, err := s.Start()
	require.NoError(t, err)
	defer s.Close()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CertPool(), MinVersion: tls.VersionTLS12}}}
	arc := url + s.ArcID(vm)
	const api = "?api-version=2025-01-13"

	code, _ := send(t, c, http.MethodGet, arc+api, "")
	require.Equal(t, http.StatusOK, code)
	code, _ = send(t, c, http.MethodGet, url+vm+"/instanceView"+api, "")
	require.Equal(t, http.StatusNotFound, code, "an Arc machine is no longer a VM")

	code, errCode := send(t, c, http.MethodPost, arc+"/installPatches"+api, `{"maximumDuration":"PT1H","rebootSetting":"Never","linuxParameters":{"classificationsToInclude":["Security"]}}`)
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, "InvalidParameter", errCode, "classification installs are not what the provider sends")

	req, err := http.NewRequest(http.MethodPut, arc+"/runCommands/x"+api, strings.NewReader(`{"location":"westeurope","properties":{"source":{"script":"rm -rf /"}}}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer t")
	resp, err := c.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "only the inventory scripts run")

	graph := url + "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01"
	code, errCode = send(t, c, http.MethodPost, graph, `{"query":"patchassessmentresources\n| where type has 'softwarepatches'"}`)
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, "InvalidQuery", errCode)
}

package azurefront_test

import (
	"crypto/tls"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
)

// post sends a JSON body and decodes the ARM error, if any.
func post(t *testing.T, c *http.Client, url, token, body string) (int, http.Header, map[string]map[string]string) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var e map[string]map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, resp.Header, e
}

func TestARMErrorsThrottlingAndTheTrustedCertificate(t *testing.T) {
	f := cloudsim.Generate(cloudsim.Config{Seed: 1, Instances: 20, Now: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)})
	s := azurefront.New(f, azurefront.Options{RetryAfter: 2 * time.Second})
	url, err := s.Start()
	require.NoError(t, err)
	defer s.Close()
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: s.CertPool(), MinVersion: tls.VersionTLS12}}}
	graph := url + "/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01"

	code, _, e := post(t, c, graph, "", `{}`)
	require.Equal(t, http.StatusUnauthorized, code)
	require.Equal(t, "AuthenticationFailed", e["error"]["code"])

	code, _, e = post(t, c, graph, "t", `{"query":"resources | take 1"}`)
	require.Equal(t, http.StatusBadRequest, code)
	require.Equal(t, "InvalidQuery", e["error"]["code"])

	s.ThrottleNext(1)
	code, h, e := post(t, c, graph, "t", `{"query":"resources"}`)
	require.Equal(t, http.StatusTooManyRequests, code)
	require.Equal(t, "2", h.Get("Retry-After"))
	require.Equal(t, "TooManyRequests", e["error"]["code"])

	code, _, _ = post(t, c, graph, "t", `{"query":"resources"}`)
	require.Equal(t, http.StatusOK, code)

	_, err = http.Get(url) // the system roots do not trust the emulator
	require.Error(t, err)
}

package temporalconn

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/devserver"
)

// startTLSServer starts the embedded Temporal server (and its Web UI) with
// the frontend over TLS, or mutual TLS.
func startTLSServer(t *testing.T, p pki, mutual bool) *devserver.Server {
	t.Helper()
	port, uiPort, err := devserver.FreePorts()
	require.NoError(t, err)
	var srv *devserver.Server
	opts := &devserver.TLS{CertFile: p.serverCert, KeyFile: p.serverKey, CAFile: p.ca, ServerName: "temporal.test"}
	if mutual {
		opts.ClientCAFile, opts.ClientCertFile, opts.ClientKeyFile = p.ca, p.clientCert, p.clientKey
	}
	srv, err = devserver.Start(context.Background(), devserver.Options{DataDir: t.TempDir(), Port: port, UIPort: uiPort, TLS: opts})
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Stop() })
	return srv
}

// describe dials with opts and asks the server for its namespace.
func describe(t *testing.T, opts client.Options) error {
	t.Helper()
	if err := dial(t, opts); err != nil {
		return err
	}
	c, err := client.Dial(opts)
	require.NoError(t, err)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ns := opts.Namespace
	if ns == "" {
		ns = client.DefaultNamespace
	}
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: ns})
	return err
}

// uiSeesNamespaces asks the Web UI for the namespaces, which it fetches
// from the frontend over the same TLS connection settings.
func uiSeesNamespaces(t *testing.T, srv *devserver.Server) {
	t.Helper()
	resp, err := http.Get(srv.UIURL() + "/api/v1/namespaces")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.Contains(t, string(body), `"default"`)
}

// The embedded server with its frontend over TLS: our connection flags
// reach it with the CA, and nothing reaches it in plaintext.
func TestTheEmbeddedServerOverTLS(t *testing.T) {
	p := newPKI(t)
	srv := startTLSServer(t, p, false)
	opts, err := parse(t, nil, "--address", srv.FrontendAddress(), "--tls-ca-path", p.ca, "--tls-server-name", "temporal.test")
	require.NoError(t, err)
	require.NoError(t, describe(t, opts))
	uiSeesNamespaces(t, srv)

	opts, err = parse(t, nil, "--address", srv.FrontendAddress())
	require.NoError(t, err)
	require.Error(t, dial(t, opts), "plaintext is refused")
	opts, err = parse(t, nil, "--address", srv.FrontendAddress(), "--tls", "--tls-server-name", "temporal.test")
	require.NoError(t, err)
	require.Error(t, dial(t, opts), "the test CA is not in the system pool")
}

// With mutual TLS the client certificate is required; the environment
// variables of Temporal's tools work as the flags do.
func TestTheEmbeddedServerOverMutualTLS(t *testing.T) {
	p := newPKI(t)
	srv := startTLSServer(t, p, true)
	opts, err := parse(t, nil, "--address", srv.FrontendAddress(), "--tls-ca-path", p.ca, "--tls-server-name", "temporal.test")
	require.NoError(t, err)
	require.Error(t, describe(t, opts), "no client certificate: refused")

	opts, err = parse(t, map[string]string{
		"TEMPORAL_ADDRESS":                 srv.FrontendAddress(),
		"TEMPORAL_TLS_SERVER_CA_CERT_PATH": p.ca,
		"TEMPORAL_TLS_SERVER_NAME":         "temporal.test",
		"TEMPORAL_TLS_CLIENT_CERT_PATH":    p.clientCert,
		"TEMPORAL_TLS_CLIENT_KEY_PATH":     p.clientKey,
	})
	require.NoError(t, err)
	require.NoError(t, describe(t, opts))
	uiSeesNamespaces(t, srv)
}

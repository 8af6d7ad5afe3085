package temporalconn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
)

// pki is a test CA with a server and a client certificate, as PEM files.
type pki struct {
	ca, serverCert, serverKey, clientCert, clientKey string
	pool                                             *x509.CertPool
}

func newPKI(t *testing.T) pki {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	require.NoError(t, err)
	caCert, err := x509.ParseCertificate(caDER)
	require.NoError(t, err)
	write := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600))
		return p
	}
	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) (string, string) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, DNSNames: []string{cn}}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		require.NoError(t, err)
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		require.NoError(t, err)
		return write(cn+".pem", "CERTIFICATE", der), write(cn+"-key.pem", "PRIVATE KEY", keyDER)
	}
	p := pki{ca: write("ca.pem", "CERTIFICATE", caDER), pool: x509.NewCertPool()}
	p.pool.AddCert(caCert)
	p.serverCert, p.serverKey = leaf(2, "temporal.test", x509.ExtKeyUsageServerAuth)
	p.clientCert, p.clientKey = leaf(3, "fleetpatch-worker", x509.ExtKeyUsageClientAuth)
	return p
}

// frontend is a stand-in Temporal frontend over TLS that answers
// GetSystemInfo (what a client dials first) and records what it saw.
type frontend struct {
	workflowservice.UnimplementedWorkflowServiceServer
	mu    sync.Mutex
	auth  []string
	peers []string
	addr  string
}

func (f *frontend) GetSystemInfo(ctx context.Context, _ *workflowservice.GetSystemInfoRequest) (*workflowservice.GetSystemInfoResponse, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.auth = append(f.auth, md.Get("authorization")...)
	return &workflowservice.GetSystemInfoResponse{Capabilities: &workflowservice.GetSystemInfoResponse_Capabilities{}}, nil
}

func startFrontend(t *testing.T, p pki, requireClientCert bool) *frontend {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(p.serverCert, p.serverKey)
	require.NoError(t, err)
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if requireClientCert {
		cfg.ClientAuth, cfg.ClientCAs = tls.RequireAndVerifyClientCert, p.pool
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f := &frontend{addr: l.Addr().String()}
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(cfg)))
	workflowservice.RegisterWorkflowServiceServer(srv, f)
	go srv.Serve(l)
	t.Cleanup(srv.Stop)
	return f
}

func dial(t *testing.T, opts client.Options) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	opts.ConnectionOptions.DialOptions = append(opts.ConnectionOptions.DialOptions, grpc.WithBlock())
	c, err := client.DialContext(ctx, opts)
	if err == nil {
		c.Close()
	}
	return err
}

func parse(t *testing.T, env map[string]string, args ...string) (client.Options, error) {
	t.Helper()
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Setenv("TEMPORAL_CONFIG_FILE", filepath.Join(t.TempDir(), "none.toml"))
	var f Flags
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	f.Register(fs)
	require.NoError(t, fs.Parse(args))
	return f.Options()
}

func TestTLSVerifiesTheServerWithTheGivenCA(t *testing.T) {
	p := newPKI(t)
	fe := startFrontend(t, p, false)
	opts, err := parse(t, nil, "--address", fe.addr, "--tls-ca-path", p.ca, "--tls-server-name", "temporal.test")
	require.NoError(t, err)
	require.NoError(t, dial(t, opts))

	opts, err = parse(t, nil, "--address", fe.addr, "--tls", "--tls-server-name", "temporal.test")
	require.NoError(t, err)
	require.Error(t, dial(t, opts), "the test CA is not in the system pool")
}

func TestMTLSNeedsTheClientCertificate(t *testing.T) {
	p := newPKI(t)
	fe := startFrontend(t, p, true)
	opts, err := parse(t, map[string]string{
		"TEMPORAL_ADDRESS":                 fe.addr,
		"TEMPORAL_TLS_SERVER_CA_CERT_PATH": p.ca,
		"TEMPORAL_TLS_SERVER_NAME":         "temporal.test",
	}, "--tls-cert-path", p.clientCert, "--tls-key-path", p.clientKey)
	require.NoError(t, err)
	require.NoError(t, dial(t, opts), "environment and flags combine")

	opts, err = parse(t, nil, "--address", fe.addr, "--tls-ca-path", p.ca, "--tls-server-name", "temporal.test")
	require.NoError(t, err)
	require.Error(t, dial(t, opts), "no client certificate: refused")

	_, err = parse(t, nil, "--tls-cert-path", p.clientCert)
	require.ErrorContains(t, err, "both a client certificate and its key")
}

func TestAPIKeyIsSentAsABearerToken(t *testing.T) {
	p := newPKI(t)
	fe := startFrontend(t, p, false)
	opts, err := parse(t, map[string]string{"TEMPORAL_API_KEY": "key-from-env", "MY_KEY": "key-from-flag"},
		"--address", fe.addr, "--tls-ca-path", p.ca, "--tls-server-name", "temporal.test")
	require.NoError(t, err)
	require.NoError(t, dial(t, opts))

	opts, err = parse(t, map[string]string{"MY_KEY": "key-from-flag"},
		"--address", fe.addr, "--tls-ca-path", p.ca, "--tls-server-name", "temporal.test", "--api-key-env", "MY_KEY")
	require.NoError(t, err)
	require.NoError(t, dial(t, opts))
	fe.mu.Lock()
	defer fe.mu.Unlock()
	require.Contains(t, fe.auth, "Bearer key-from-env")
	require.Contains(t, fe.auth, "Bearer key-from-flag")

	_, err = parse(t, nil, "--api-key-env", "UNSET_VARIABLE_FOR_TEST")
	require.ErrorContains(t, err, "UNSET_VARIABLE_FOR_TEST")
}

func TestProfilesFromTheTemporalCLIsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "temporal.toml")
	require.NoError(t, os.WriteFile(file, []byte(`
[profile.prod]
address = "prod.tmprl.cloud:7233"
namespace = "fleetpatch.acct"
api_key = "from-profile"
`), 0o600))
	opts, err := parse(t, nil, "--config-file", file, "--profile", "prod")
	require.NoError(t, err)
	require.Equal(t, "prod.tmprl.cloud:7233", opts.HostPort)
	require.Equal(t, "fleetpatch.acct", opts.Namespace)
	require.NotNil(t, opts.ConnectionOptions.TLS, "an API key turns TLS on")

	opts, err = parse(t, map[string]string{"TEMPORAL_NAMESPACE": "from-env"}, "--config-file", file, "--profile", "prod", "--address", "flag:7233")
	require.NoError(t, err)
	require.Equal(t, "flag:7233", opts.HostPort, "a flag beats the profile")
	require.Equal(t, "from-env", opts.Namespace, "the environment beats the profile")

	_, err = parse(t, nil, "--config-file", file, "--profile", "missing")
	require.ErrorContains(t, err, "missing")

	opts, err = parse(t, nil)
	require.NoError(t, err)
	require.Equal(t, DefaultAddress, opts.HostPort)
	require.Nil(t, opts.ConnectionOptions.TLS)
}

package azurekv

import (
	"context"
	"crypto/tls"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/azurefront"
	"github.com/fleetpatch/fleetpatch/codec"
	azureprov "github.com/fleetpatch/fleetpatch/providers/azure"
)

// vault starts the Azure emulator (HTTPS) and returns Keys that reach its
// Key Vault through the real SDK, challenge included.
func vault(t *testing.T) (*Keys, *azurefront.Server, string) {
	t.Helper()
	front := azurefront.New(cloudsim.Generate(cloudsim.Config{Seed: 1, Instances: 1, Speed: 1}), azurefront.Options{})
	u, err := front.Start()
	require.NoError(t, err)
	t.Cleanup(front.Close)
	transport := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: front.CertPool(), MinVersion: tls.VersionTLS12}}}
	opts := &azkeys.ClientOptions{ClientOptions: azcore.ClientOptions{Transport: transport, Retry: policy.RetryOptions{MaxRetries: -1}},
		// The emulator's challenge names https://vault.azure.net, not its
		// own address.
		DisableChallengeResourceVerification: true}
	return New(azureprov.StaticCredential("kv-test"), opts), front, u
}

// A key file of wrapped keys holds no key material; unwrapped by the
// emulator's Key Vault (through the real SDK), the codec seals and opens
// payloads, in this process and in another one that reads the same file.
func TestAKeyFileOfKeyVaultWrappedKeys(t *testing.T) {
	keys, front, u := vault(t)
	ctx := context.Background()
	line, err := keys.NewLine(ctx, "2026-12", u+"/keys/fleetpatch-codec")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "2026-12 azure-keyvault:"+u+"/keys/fleetpatch-codec/1#"), line)
	path := filepath.Join(t.TempDir(), "codec-keys")
	require.NoError(t, os.WriteFile(path, []byte(line+"\n"), 0o600))

	first, err := codec.Load(path, codec.WithKeySource(Scheme, keys))
	require.NoError(t, err)
	second, err := codec.Load(path, codec.WithKeySource(Scheme, New(keys.cred, keys.opts)))
	require.NoError(t, err)
	sealed, err := first.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"vm-1"`)}})
	require.NoError(t, err)
	opened, err := second.Decode(sealed)
	require.NoError(t, err)
	require.Equal(t, `"vm-1"`, string(opened[0].Data))

	front.DenyKeyOperation("unwrapkey", "no Key Vault Crypto User role")
	_, err = codec.Load(path, codec.WithKeySource(Scheme, keys))
	require.ErrorContains(t, err, path+":1: key \"2026-12\": azure-keyvault: Key Vault unwrapKey")
	require.ErrorContains(t, err, "Forbidden")
}

func TestKeyLinesThatCannotBeUnwrapped(t *testing.T) {
	keys, _, u := vault(t)
	ctx := context.Background()
	for value, want := range map[string]string{
		"no-fragment":                           "want <key ID URL>#<base64 wrapped key>",
		"http://vault/keys/k/1#AAAA":            "is not a Key Vault key URL",
		u + "/secrets/k/1#AAAA":                 "is not a Key Vault key URL",
		u + "/keys/k#AAAA":                      "name the key version",
		u + "/keys/k/1#not base64!":             "not standard base64",
		u + "/keys/fleetpatch-codec/1#AAAAAAAA": "Key Vault unwrapKey",
	} {
		_, err := keys.Unwrap(ctx, value)
		require.ErrorContains(t, err, want, value)
	}
}

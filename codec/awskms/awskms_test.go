package awskms

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/internal/emulator"
)

// awsEnv points the AWS default configuration at the emulator's KMS.
func awsEnv(t *testing.T) *awsfront.Server {
	t.Helper()
	front := awsfront.New(cloudsim.Generate(cloudsim.Config{Seed: 1, Instances: 1, Speed: 1}), awsfront.Options{})
	srv := httptest.NewServer(front)
	t.Cleanup(func() { srv.Close(); front.Close() })
	emulator.AWSEnv(t, "AKIAFLEETPATCHTEST01", "secret", "eu-west-1", map[string]string{"AWS_ENDPOINT_URL_KMS": srv.URL})
	return front
}

// A key file of KMS data keys holds no key material; the codec made from it
// (through the real SDK and the emulator's KMS) seals and opens payloads,
// and a codec from the same file in another process opens them too.
func TestAKeyFileOfKMSDataKeys(t *testing.T) {
	front := awsEnv(t)
	ctx := context.Background()
	keys, err := Default(ctx)
	require.NoError(t, err)
	line, err := keys.NewLine(ctx, "2026-12", "alias/fleetpatch-codec")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(line, "2026-12 aws-kms:"), line)
	path := filepath.Join(t.TempDir(), "codec-keys")
	require.NoError(t, os.WriteFile(path, []byte("# data keys under alias/fleetpatch-codec\n"+line+"\n"), 0o600))

	first, err := codec.Load(path, codec.WithKeySource(Scheme, Lazy()))
	require.NoError(t, err)
	second, err := codec.Load(path, codec.WithKeySource(Scheme, Lazy()))
	require.NoError(t, err)
	sealed, err := first.Encode([]*commonpb.Payload{{Metadata: map[string][]byte{"encoding": []byte("json/plain")}, Data: []byte(`"i-0abc"`)}})
	require.NoError(t, err)
	opened, err := second.Decode(sealed)
	require.NoError(t, err)
	require.Equal(t, `"i-0abc"`, string(opened[0].Data))

	var decrypts int
	for _, c := range front.Calls() {
		if c.Service == "kms" && c.Op == "Decrypt" {
			decrypts++
		}
	}
	require.Equal(t, 2, decrypts, "each load asks KMS once")

	// Without kms:Decrypt the worker does not start, and says why and where.
	front.DenyAction("000000000000", "kms:Decrypt", "the key policy does not allow this role")
	_, err = codec.Load(path, codec.WithKeySource(Scheme, Lazy()))
	require.ErrorContains(t, err, path+":2: key \"2026-12\": aws-kms: KMS Decrypt")
	require.ErrorContains(t, err, "AccessDeniedException")

	_, err = codec.Load(path)
	require.ErrorContains(t, err, `unknown key source "aws-kms" (known: none configured)`)
}

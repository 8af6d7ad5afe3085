package main

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/codec"
	"github.com/fleetpatch/fleetpatch/codec/keysources"
	"github.com/fleetpatch/fleetpatch/internal/emulator"
)

// codec-keys new prints lines that the worker's key loading reads: a raw
// key, and a KMS data key (made and decrypted through the emulator's KMS).
func TestCodecKeysNewMakesLinesTheWorkerReads(t *testing.T) {
	front := awsfront.New(cloudsim.Generate(cloudsim.Config{Seed: 1, Instances: 1, Speed: 1}), awsfront.Options{})
	srv := httptest.NewServer(front)
	t.Cleanup(func() { srv.Close(); front.Close() })
	dir := t.TempDir()
	emulator.AWSEnv(t, "AKIAFLEETPATCHTEST01", "secret", "eu-west-1", map[string]string{"AWS_ENDPOINT_URL_KMS": srv.URL})
	var lines []string
	for _, args := range [][]string{{"--id", "2026-11"}, {"--id", "2026-12", "--aws-kms-key", "alias/fleetpatch"}} {
		var out, errb bytes.Buffer
		require.Equal(t, 0, run(append([]string{"codec-keys", "new"}, args...), &out, &errb), errb.String())
		lines = append(lines, strings.TrimSpace(out.String()))
	}
	require.True(t, strings.HasPrefix(lines[1], "2026-12 aws-kms:"), lines[1])
	path := filepath.Join(dir, "codec-keys")
	require.NoError(t, os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600))
	keys, err := codec.LoadKeys(path, keysources.Options()...)
	require.NoError(t, err)
	require.Equal(t, "2026-12", keys.Newest(), "the KMS data key, last, encrypts")

	var errb bytes.Buffer
	require.Equal(t, 2, run([]string{"codec-keys", "new", "--id", "bad id"}, &bytes.Buffer{}, &errb))
	require.Contains(t, errb.String(), `key ID "bad id"`)
	errb.Reset()
	require.Equal(t, 2, run([]string{"codec-keys", "new", "--aws-kms-key", "k", "--azure-key", "https://v.vault.azure.net/keys/k"}, &bytes.Buffer{}, &errb))
	require.Contains(t, errb.String(), "not both")
}

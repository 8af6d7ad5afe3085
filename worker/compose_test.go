package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/fleetpatch/fleetpatch/codec"
)

// No Docker engine runs here, so the compose file is loaded by compose-go,
// the loader `docker compose config` uses (schema, interpolation,
// references), and its structure is checked: the services a
// production-like stack needs, that every dependency names a service, that
// the worker is built from this repository's Dockerfile, gets the policy
// read-only, reaches Temporal by service name, keeps its artifacts in the
// S3-compatible store and encrypts payloads, with every secret by file
// reference.
func TestComposeFileStructure(t *testing.T) {
	opts, err := cli.NewProjectOptions([]string{"../docker-compose.yml"}, cli.WithWorkingDirectory(".."), cli.WithName("fleetpatch"))
	require.NoError(t, err)
	project, err := cli.ProjectFromOptions(context.Background(), opts)
	require.NoError(t, err, "docker compose config would refuse the file")
	for name, s := range project.Services {
		for _, ref := range s.Secrets {
			sec, ok := project.Secrets[ref.Source]
			require.True(t, ok, "%s uses an undeclared secret %s", name, ref.Source)
			require.NotEmpty(t, sec.File, "secret %s is a file reference", ref.Source)
			require.True(t, strings.HasPrefix(sec.File, filepath.Join(project.WorkingDir, "fleetpatch-data")+string(filepath.Separator)),
				"secret %s lives in the untracked fleetpatch-data/: %s", ref.Source, sec.File)
		}
		for k, v := range s.Environment {
			if v != nil && (strings.Contains(strings.ToUpper(k), "PASSWORD") || strings.Contains(strings.ToUpper(k), "SECRET")) {
				require.True(t, strings.HasSuffix(k, "_FILE") || *v == "temporal", "%s: %s must name a file, not hold a secret", name, k)
			}
		}
	}
	worker := project.Services["worker"]
	require.Equal(t, "s3://fleetpatch-artifacts/compose", *worker.Environment["FLEETPATCH_STORE"])
	require.Equal(t, "http://minio:9000", *worker.Environment["FLEETPATCH_AWS_S3_ENDPOINT"])
	require.Equal(t, "/run/secrets/codec-keys", *worker.Environment["FLEETPATCH_CODEC_KEYS_FILE"])
	require.Equal(t, "/run/secrets/aws-credentials", *worker.Environment["AWS_SHARED_CREDENTIALS_FILE"])
	require.Contains(t, worker.DependsOn, "minio-setup", "the bucket exists before the worker starts")

	b, err := os.ReadFile("../docker-compose.yml")
	require.NoError(t, err)
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       map[string]string `yaml:"build"`
			DependsOn   map[string]any    `yaml:"depends_on"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
			Ports       []string          `yaml:"ports"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	require.NoError(t, yaml.Unmarshal(b, &compose))
	require.Equal(t, "minio/minio:RELEASE.2025-09-07T16-13-09Z", compose.Services["minio"].Image,
		"a MinIO that honours If-None-Match on PutObject (minio/minio#21526, fixed in August 2025)")
	for _, name := range []string{"postgresql", "temporal", "temporal-ui", "worker"} {
		require.Contains(t, compose.Services, name)
	}
	for name, s := range compose.Services {
		require.True(t, s.Image != "" || s.Build != nil, "%s has neither image nor build", name)
		if s.Image != "" {
			require.NotContains(t, s.Image, ":latest", "%s: pin the image", name)
			require.Contains(t, s.Image, ":", "%s: pin the image", name)
		}
		for dep := range s.DependsOn {
			require.Contains(t, compose.Services, dep, "%s depends on an unknown service", name)
		}
		for _, v := range s.Volumes {
			src := strings.Split(v, ":")[0]
			if strings.HasPrefix(src, ".") {
				_, err := os.Stat(filepath.Join("..", src))
				require.NoError(t, err, "%s mounts a missing path", name)
			} else {
				require.Contains(t, compose.Volumes, src, "%s uses an undeclared volume", name)
			}
		}
	}
	require.Equal(t, "postgres12", compose.Services["temporal"].Environment["DB"])
	server, ui := pinnedVersion(t, "go.temporal.io/server"), pinnedVersion(t, "github.com/temporalio/ui-server/v2")
	require.Equal(t, "temporalio/server:"+server, compose.Services["temporal"].Image, "the server we build against")
	require.Equal(t, "temporalio/admin-tools:"+server, compose.Services["temporal-schema"].Image)
	require.Equal(t, "temporalio/ui:"+ui, compose.Services["temporal-ui"].Image, "the UI dev embeds")
	w := compose.Services["worker"]
	require.Equal(t, "Dockerfile", w.Build["dockerfile"])
	_, err = os.Stat(filepath.Join("..", w.Build["context"], w.Build["dockerfile"]))
	require.NoError(t, err)
	require.Equal(t, "temporal:7233", w.Environment["TEMPORAL_ADDRESS"])
	require.Contains(t, w.Volumes, "./deployments/examples/policy:/policy:ro")
	require.Equal(t, "/policy", w.Environment["FLEETPATCH_POLICY"])
}

// pinnedVersion is module's version in go.mod, without the "v".
func pinnedVersion(t *testing.T, module string) string {
	b, err := os.ReadFile("../go.mod")
	require.NoError(t, err)
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == module {
			return strings.TrimPrefix(f[1], "v")
		}
	}
	t.Fatalf("go.mod does not require %s", module)
	return ""
}

// make-secrets.sh writes what the compose stack mounts: a key file the
// codec loads, MinIO's credentials and the same as AWS shared credentials;
// run again, it keeps them.
func TestComposeSecretsScript(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "compose")
	run := func() {
		out, err := exec.Command("sh", "../deployments/compose/make-secrets.sh", dir).CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	run()
	keys, err := os.ReadFile(filepath.Join(dir, "codec-keys"))
	require.NoError(t, err)
	_, err = codec.Load(filepath.Join(dir, "codec-keys"))
	require.NoError(t, err, "the codec reads the key file")
	user, err := os.ReadFile(filepath.Join(dir, "minio-user"))
	require.NoError(t, err)
	password, err := os.ReadFile(filepath.Join(dir, "minio-password"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(password), 20)
	creds, err := os.ReadFile(filepath.Join(dir, "aws-credentials"))
	require.NoError(t, err)
	require.Contains(t, string(creds), "aws_access_key_id = "+string(user))
	require.Contains(t, string(creds), "aws_secret_access_key = "+string(password))
	run()
	again, err := os.ReadFile(filepath.Join(dir, "codec-keys"))
	require.NoError(t, err)
	require.Equal(t, keys, again, "existing secrets are kept")
}

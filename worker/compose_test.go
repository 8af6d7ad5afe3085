package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// No Docker engine runs here, so the compose file's structure is checked:
// the services a production-like stack needs, that every dependency names
// a service, that the worker is built from this repository's Dockerfile
// and gets the policy read-only, and that it reaches Temporal by service name.
func TestComposeFileStructure(t *testing.T) {
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

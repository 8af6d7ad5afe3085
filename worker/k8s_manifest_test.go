package main

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

// The Kubernetes manifest runs replicas that share nothing but Temporal
// and the artifact store: no shared volume, the store in S3, the data
// directory scratch, the payload keys from a secret, and no credentials.
func TestKubernetesManifestNeedsNoSharedVolume(t *testing.T) {
	f, err := os.Open("../deployments/k8s/worker.yaml")
	require.NoError(t, err)
	defer f.Close()
	type env struct{ Name, Value string }
	var deployment struct {
		Spec struct {
			Replicas int `yaml:"replicas"`
			Template struct {
				Spec struct {
					Containers []struct {
						Env []env `yaml:"env"`
					} `yaml:"containers"`
					Volumes []map[string]any `yaml:"volumes"`
				} `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	kinds := map[string]int{}
	dec := yaml.NewDecoder(f)
	for {
		var node yaml.Node
		if err := dec.Decode(&node); errors.Is(err, io.EOF) {
			break
		} else {
			require.NoError(t, err)
		}
		var head struct{ Kind string }
		require.NoError(t, node.Decode(&head))
		kinds[head.Kind]++
		if head.Kind == "Deployment" {
			require.NoError(t, node.Decode(&deployment))
		}
	}
	require.Zero(t, kinds["PersistentVolumeClaim"], "no shared volume")
	require.Equal(t, 1, kinds["Deployment"])
	spec := deployment.Spec.Template.Spec
	require.Greater(t, deployment.Spec.Replicas, 1)
	require.Len(t, spec.Containers, 1)
	vars := map[string]string{}
	for _, e := range spec.Containers[0].Env {
		vars[e.Name] = e.Value
		require.NotContains(t, strings.ToUpper(e.Name), "SECRET_ACCESS_KEY", "credentials come from the pod's identity")
	}
	require.True(t, strings.HasPrefix(vars["FLEETPATCH_STORE"], "s3://") || strings.HasPrefix(vars["FLEETPATCH_STORE"], "azblob://"),
		"a shared object store: %q", vars["FLEETPATCH_STORE"])
	require.NotEmpty(t, vars["FLEETPATCH_CODEC_KEYS_FILE"], "payloads are encrypted")
	volumes := map[string]map[string]any{}
	for _, v := range spec.Volumes {
		volumes[v["name"].(string)] = v
	}
	require.Contains(t, volumes["data"], "emptyDir", "the data directory is scratch")
	require.Contains(t, volumes["codec-keys"], "secret")
}

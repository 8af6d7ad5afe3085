package workflows

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReplayStoredHistories replays the stored histories of every version
// of the workflows (testdata/histories/<version>/) on this code: a change
// that breaks a cycle in flight fails here. See versions.go.
func TestReplayStoredHistories(t *testing.T) {
	dirs, err := filepath.Glob("testdata/histories/*")
	require.NoError(t, err)
	require.NotEmpty(t, dirs, "no stored histories")
	for _, dir := range dirs {
		paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
		require.NoError(t, err)
		require.NotEmpty(t, paths, "%s holds no histories", dir)
		require.NoError(t, ReplayFiles(paths...), dir)
	}
	require.DirExists(t, filepath.Join("testdata", "histories", HistoryCorpus), "this version's histories are stored")
}

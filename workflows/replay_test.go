package workflows

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestReplayStoredHistories replays the histories of finished cycles kept
// in testdata (refresh them with FLEETPATCH_UPDATE_HISTORIES=1 go test
// -run TestE2EHistoriesReplay ./worker/ after a deliberate, versioned
// change).
func TestReplayStoredHistories(t *testing.T) {
	paths, err := filepath.Glob("testdata/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no stored histories")
	require.NoError(t, ReplayFiles(paths...))
}

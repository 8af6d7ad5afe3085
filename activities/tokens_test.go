package activities

import (
	"context"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

const tokenRun = "prod-sensitive/2026-W49/01a23c21-c139-7019-9335-5ee39db312dd"

// Two workers over one shared store (each with its own view of it) see each
// other's tokens: what one saved before it died, the other finds.
func TestTokensSavedByOneWorkerAreFoundByAnother(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	first := Tokens{Store: DirStore{Root: root}, Dir: "azure-operations"}
	second := Tokens{Store: DirStore{Root: root}, Dir: "azure-operations"}
	key := tokenRun + "|/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm-1"

	_, ok, err := second.Load(ctx, key)
	require.NoError(t, err)
	require.False(t, ok, "nothing saved yet")

	require.NoError(t, first.Save(ctx, key, "fleetpatch:starting"))
	require.NoError(t, first.Save(ctx, key, "token-1"))
	got, ok, err := second.Load(ctx, key)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "token-1", got, "the last save wins")

	_, ok, _ = second.Load(ctx, key+"x")
	require.False(t, ok, "another machine's key is its own")

	require.NoError(t, second.Delete(ctx, key))
	_, ok, err = first.Load(ctx, key)
	require.NoError(t, err)
	require.False(t, ok)
	require.NoError(t, first.Delete(ctx, key), "deleting twice is not an error")
}

// A token lives under its run's artifacts (so retention removes it with
// the run), named by a hash of the rest of the key, whatever that holds.
func TestTokensLiveUnderTheirRun(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	tk := Tokens{Store: DirStore{Root: root}, Dir: "azure-operations"}
	require.NoError(t, tk.Save(ctx, tokenRun+"|../../../etc/passwd", "t"))
	var files []string
	require.NoError(t, filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, path)
			files = append(files, filepath.ToSlash(rel))
		}
		return err
	}))
	require.Len(t, files, 1)
	require.Regexp(t, `^cycles/prod-sensitive/2026-W49/01a23c21-c139-7019-9335-5ee39db312dd/azure-operations/[0-9a-f]{64}$`, files[0])

	for _, bad := range []string{"no-separator", "prod/2026-W49|vm", "../x/2026-W49/run|vm", "prod/2026-W99/run|vm", "prod/2026-W49/run/x|vm"} {
		_, _, err := tk.Load(ctx, bad)
		require.Error(t, err, bad)
		require.Error(t, tk.Save(ctx, bad, "t"), bad)
	}
}

package blobstore

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/activities/storetest"
	"github.com/fleetpatch/fleetpatch/internal/emulator"
)

var containers atomic.Int32

// newContainer creates a new container in Azurite and returns its client.
func newContainer(t *testing.T, conn string) *container.Client {
	t.Helper()
	c, err := container.NewClientFromConnectionString(conn, fmt.Sprintf("artifacts-%d", containers.Add(1)), nil)
	require.NoError(t, err)
	_, err = c.Create(context.Background(), nil)
	require.NoError(t, err)
	return c
}

// Azurite is Microsoft's Blob Storage emulator: the store's requests go
// through the real SDK to a service implementation that is not ours.
func TestStoreContractOnAzurite(t *testing.T) {
	conn := emulator.Azurite(t)
	storetest.Run(t, func(t *testing.T) activities.Store { return New(newContainer(t, conn), "fleetpatch/artifacts") })
}

func TestKeysLiveUnderThePrefixAndADamagedBlobIsAnError(t *testing.T) {
	conn := emulator.Azurite(t)
	c := newContainer(t, conn)
	s := New(c, "/prod/artifacts/")
	ctx := context.Background()
	require.NoError(t, s.Put(ctx, "cycles/a/manifest.json", []byte(`{"v":1}`)))
	_, err := c.NewBlobClient("prod/artifacts/cycles/a/manifest.json").GetProperties(ctx, nil)
	require.NoError(t, err, "the blob is named with the prefix")

	// Another tool overwrites the blob without the checksum.
	_, err = c.NewBlockBlobClient("prod/artifacts/cycles/a/manifest.json").UploadBuffer(ctx, []byte(`{"v":2}`), &blockblob.UploadBufferOptions{})
	require.NoError(t, err)
	_, err = s.Get(ctx, "cycles/a/manifest.json")
	require.ErrorContains(t, err, "does not match the content")
	require.ErrorIs(t, err, activities.ErrDamaged, "the artifact steps rebuild or name it")
	require.NotErrorIs(t, err, activities.ErrNotFound)
}

func TestListFollowsContinuationMarkers(t *testing.T) {
	conn := emulator.Azurite(t)
	s := New(newContainer(t, conn), "")
	s.pageSize = 7 // as the service does past 5,000 names
	ctx := context.Background()
	const n = 30
	for i := range n {
		require.NoError(t, s.Put(ctx, fmt.Sprintf("cycles/g/w/scan/%05d.json", i), []byte("{}")))
	}
	keys, err := s.List(ctx, "cycles/g/")
	require.NoError(t, err)
	require.Len(t, keys, n)
	for i, k := range keys {
		require.Equal(t, fmt.Sprintf("cycles/g/w/scan/%05d.json", i), k, "in order, each once")
	}
}

func TestAMissingContainerIsAClearErrorAtStart(t *testing.T) {
	conn := emulator.Azurite(t)
	c, err := container.NewClientFromConnectionString(conn, "no-such-container", nil)
	require.NoError(t, err)
	err = New(c, "").CheckContainer(context.Background())
	require.ErrorContains(t, err, "ContainerNotFound")
	require.ErrorContains(t, err, "no-such-container")
}

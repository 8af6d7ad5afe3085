package main

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/activities/blobstore"
	"github.com/fleetpatch/fleetpatch/activities/s3store"
	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/internal/emulator"
)

func TestStoreURLs(t *testing.T) {
	ctx := context.Background()
	s, u, err := newStore(ctx, config{DataDir: "/var/lib/fleetpatch"})
	require.NoError(t, err)
	require.Equal(t, activities.DirStore{Root: "/var/lib/fleetpatch/artifacts"}, s)
	require.Equal(t, "file:///var/lib/fleetpatch/artifacts", u)

	s, _, err = newStore(ctx, config{Store: "file:///srv/artifacts"})
	require.NoError(t, err)
	require.Equal(t, activities.DirStore{Root: "/srv/artifacts"}, s)

	for store, want := range map[string]string{
		"file://relative/dir":   "file:///absolute/dir",
		"s3:///no-bucket":       "s3://bucket/prefix",
		"azblob://acct":         "azblob://account/container/prefix",
		"gs://bucket/artifacts": "use file:///dir, s3://bucket/prefix or azblob://account/container/prefix",
		"::not a url":           "--store",
	} {
		_, _, err := newStore(ctx, config{Store: store})
		require.ErrorContains(t, err, want, store)
	}
}

func TestAnS3StoreIsCheckedForConditionalWritesAtStart(t *testing.T) {
	ctx := context.Background()
	front := awsfront.New(cloudsim.Generate(cloudsim.Config{Seed: 1, Instances: 1, Speed: 1}), awsfront.Options{})
	srv := httptest.NewServer(front)
	t.Cleanup(func() { srv.Close(); front.Close() })
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFLEETPATCHTEST01")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", "eu-west-1")
	s, _, err := newStore(ctx, config{Store: "s3://fleetpatch-prod/artifacts", AWS: awsConfig{Endpoint: srv.URL}})
	require.NoError(t, err)
	require.IsType(t, &s3store.Store{}, s)

	// s3rver ignores If-None-Match: the worker refuses to start on it.
	endpoint := emulator.S3rver(t, "fleetpatch-s3rver")
	_, _, err = newStore(ctx, config{Store: "s3://fleetpatch-s3rver/artifacts", AWS: awsConfig{Endpoint: endpoint}})
	require.ErrorIs(t, err, s3store.ErrNoConditionalWrites)
	require.ErrorContains(t, err, "--store s3://fleetpatch-s3rver/artifacts")
}

func TestABlobStoreOpensFromItsURL(t *testing.T) {
	ctx := context.Background()
	conn := emulator.Azurite(t)
	t.Setenv(activities.EnvAzureConnectionString, conn)
	_, _, err := newStore(ctx, config{Store: "azblob://devstoreaccount1/artifacts/prod"})
	require.ErrorContains(t, err, "ContainerNotFound", "a missing container is named at start")

	c, err := container.NewClientFromConnectionString(conn, "artifacts", nil)
	require.NoError(t, err)
	_, err = c.Create(ctx, nil)
	require.NoError(t, err)
	s, u, err := newStore(ctx, config{Store: "azblob://devstoreaccount1/artifacts/prod"})
	require.NoError(t, err)
	require.IsType(t, &blobstore.Store{}, s)
	require.Equal(t, "azblob://devstoreaccount1/artifacts/prod", u)
	require.NoError(t, s.Put(ctx, "cycles/x", []byte("{}")))
	_, err = c.NewBlobClient("prod/cycles/x").GetProperties(ctx, nil)
	require.NoError(t, err, "the URL's path after the container is the prefix")
}

package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/activities/s3store"
)

func TestStoreURLs(t *testing.T) {
	ctx := context.Background()
	t.Setenv("AWS_REGION", "eu-west-1")
	s, u, err := newStore(ctx, config{DataDir: "/var/lib/fleetpatch"})
	require.NoError(t, err)
	require.Equal(t, activities.DirStore{Root: "/var/lib/fleetpatch/artifacts"}, s)
	require.Equal(t, "file:///var/lib/fleetpatch/artifacts", u)

	s, _, err = newStore(ctx, config{Store: "file:///srv/artifacts"})
	require.NoError(t, err)
	require.Equal(t, activities.DirStore{Root: "/srv/artifacts"}, s)

	s, _, err = newStore(ctx, config{Store: "s3://fleetpatch-prod/artifacts", AWS: awsConfig{Endpoint: "http://127.0.0.1:4566"}})
	require.NoError(t, err)
	require.IsType(t, &s3store.Store{}, s)

	for store, want := range map[string]string{
		"file://relative/dir":    "file:///absolute/dir",
		"s3:///no-bucket":        "s3://bucket/prefix",
		"azblob://acct/cont/pre": "use file:///dir or s3://bucket/prefix",
		"::not a url":            "--store",
	} {
		_, _, err := newStore(ctx, config{Store: store})
		require.ErrorContains(t, err, want, store)
	}
}

package s3store

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/activities/storetest"
	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/internal/emulator"
)

// newStore is a store over the AWS emulator's S3, through the real SDK.
func newStore(t *testing.T, prefix string) (*Store, *awsfront.Server) {
	t.Helper()
	front := awsfront.New(cloudsim.Generate(cloudsim.Config{Seed: 1, Instances: 1, Speed: 1}), awsfront.Options{})
	srv := httptest.NewServer(front)
	t.Cleanup(func() { srv.Close(); front.Close() })
	client := s3.New(s3.Options{Region: "eu-west-1", BaseEndpoint: aws.String(srv.URL), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("AKIAFLEETPATCHTEST01", "secret", "")})
	return New(client, "fleetpatch-artifacts", prefix), front
}

func TestPutGetListDelete(t *testing.T) {
	s, front := newStore(t, "prod/artifacts/")
	ctx := context.Background()
	_, err := s.Get(ctx, "cycles/a/run/manifest.json")
	require.ErrorIs(t, err, activities.ErrNotFound)
	for i := 0; i < 3; i++ {
		require.NoError(t, s.Put(ctx, fmt.Sprintf("cycles/a/run/scan/%04d.json", i), []byte(fmt.Sprintf(`{"n":%d}`, i))))
	}
	require.NoError(t, s.Put(ctx, "cycles/b/run/manifest.json", []byte(`{}`)))
	require.NoError(t, s.Put(ctx, "cycles/a/run/scan/0001.json", []byte(`{"n":"again"}`)), "Put overwrites")
	b, err := s.Get(ctx, "cycles/a/run/scan/0001.json")
	require.NoError(t, err)
	require.JSONEq(t, `{"n":"again"}`, string(b))
	_, ok := front.Object("fleetpatch-artifacts", "prod/artifacts/cycles/a/run/scan/0001.json")
	require.True(t, ok, "keys are under the prefix")

	keys, err := s.List(ctx, "cycles/a/")
	require.NoError(t, err)
	require.Equal(t, []string{"cycles/a/run/scan/0000.json", "cycles/a/run/scan/0001.json", "cycles/a/run/scan/0002.json"}, keys)

	require.NoError(t, s.Delete(ctx, "cycles/a/run/scan/0001.json"))
	require.NoError(t, s.Delete(ctx, "cycles/a/run/scan/0001.json"), "deleting a missing key is fine")
	keys, err = s.List(ctx, "cycles/a/")
	require.NoError(t, err)
	require.Len(t, keys, 2)
}

func TestListPagesThroughLargePrefixes(t *testing.T) {
	s, _ := newStore(t, "")
	ctx := context.Background()
	for i := 0; i < 1205; i++ {
		require.NoError(t, s.Put(ctx, fmt.Sprintf("scan/%05d.json", i), []byte("{}")))
	}
	keys, err := s.List(ctx, "scan/")
	require.NoError(t, err)
	require.Len(t, keys, 1205, "more than one page of 1000")
	require.Equal(t, "scan/01204.json", keys[1204])
}

func TestCreateIsExclusiveAcrossConcurrentWorkers(t *testing.T) {
	s, _ := newStore(t, "p")
	ctx := context.Background()
	var wg sync.WaitGroup
	results := make([]error, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = s.Create(ctx, "locks/group/prod-auto", []byte(fmt.Sprintf(`{"owner":%d}`, i)))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range results {
		if err == nil {
			won++
		} else {
			require.ErrorIs(t, err, activities.ErrExists)
		}
	}
	require.Equal(t, 1, won, "exactly one worker takes the lock")
}

func TestADamagedObjectIsAnErrorNotData(t *testing.T) {
	s, front := newStore(t, "")
	ctx := context.Background()
	require.NoError(t, s.Put(ctx, "manifest.json", []byte(`{"digest":"sha256:abc"}`)))
	front.SetObject("fleetpatch-artifacts", "manifest.json", []byte(`{"digest":"sha256:evil"}`))
	_, err := s.Get(ctx, "manifest.json")
	require.ErrorContains(t, err, "does not match the content")
	require.ErrorIs(t, err, activities.ErrDamaged, "the artifact steps rebuild or name it")
}

func TestStoreContractOnTheAWSEmulator(t *testing.T) {
	storetest.Run(t, func(t *testing.T) activities.Store { s, _ := newStore(t, "contract"); return s })
}

func TestTheAWSEmulatorHonoursConditionalWrites(t *testing.T) {
	s, front := newStore(t, "artifacts")
	require.NoError(t, s.CheckConditionalWrites(context.Background(), "worker-1"))
	_, ok := front.Object("fleetpatch-artifacts", "artifacts/.probe/conditional-write/worker-1")
	require.False(t, ok, "the probe is deleted")
}

// s3rver is an S3 implementation that is not ours: the store's requests
// are read by a third party's parser too. It ignores If-None-Match, so the
// store must refuse it (two workers could both take a lock there).
func TestS3rverKeepsTheBasicContractAndIsRefusedForLocks(t *testing.T) {
	endpoint := emulator.S3rver(t, "fleetpatch-contract")
	open := func(t *testing.T) *Store {
		client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
			Credentials: credentials.NewStaticCredentialsProvider("S3RVER", "S3RVER", "")})
		return New(client, "fleetpatch-contract", t.Name())
	}
	storetest.Basic(t, func(t *testing.T) activities.Store { return open(t) })
	err := open(t).CheckConditionalWrites(context.Background(), "worker-1")
	require.ErrorIs(t, err, ErrNoConditionalWrites)
	require.Contains(t, err.Error(), "s3://fleetpatch-contract/TestS3rverKeepsTheBasicContractAndIsRefusedForLocks")
}

package s3sink

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/internal/emulator"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/report/reporttest"
)

func TestPublishesEveryFormatToS3rverAndOverwritesOnRetry(t *testing.T) {
	endpoint := emulator.S3rver(t, "audit")
	ctx := context.Background()
	sink, err := New(ctx, Options{Bucket: "audit", Prefix: "reports", Endpoint: endpoint, PathStyle: true})
	require.NoError(t, err)
	rep := reporttest.Synthetic("prod-auto", "2026-W48", 120, 6)
	key := func(file string) string { return report.ObjectKey("", "2026-W48", "prod-auto", 0, file) }
	for range 2 { // a retried activity writes the same objects again
		_, err = report.Publish(ctx, sink, key, report.Renderers, rep)
		require.NoError(t, err)
	}
	list, err := sink.Client().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("audit")})
	require.NoError(t, err)
	var keys []string
	for _, o := range list.Contents {
		keys = append(keys, *o.Key)
	}
	require.ElementsMatch(t, []string{
		"reports/cycle=2026-W48/group=prod-auto/report.json",
		"reports/cycle=2026-W48/group=prod-auto/csv/report.csv",
		"reports/cycle=2026-W48/group=prod-auto/report.md",
		"reports/cycle=2026-W48/group=prod-auto/report.html",
	}, keys)
	for _, f := range report.Renderers {
		var want strings.Builder
		require.NoError(t, f.Render(&want, rep))
		obj, err := sink.Client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("audit"), Key: aws.String(sink.Key(key(f.File)))})
		require.NoError(t, err)
		got, err := io.ReadAll(obj.Body)
		obj.Body.Close()
		require.NoError(t, err)
		require.Equal(t, want.String(), string(got), f.File)
		require.Equal(t, f.ContentType, aws.ToString(obj.ContentType), f.File)
	}
}

func TestRenderErrorStoresNothing(t *testing.T) {
	endpoint := emulator.S3rver(t, "audit")
	ctx := context.Background()
	sink, err := New(ctx, Options{Bucket: "audit", Endpoint: endpoint, PathStyle: true})
	require.NoError(t, err)
	err = sink.Put(ctx, "broken.json", "application/json", func(w io.Writer) error {
		fmt.Fprint(w, "{")
		return fmt.Errorf("render failed")
	})
	require.ErrorContains(t, err, "render failed")
	list, err := sink.Client().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("audit")})
	require.NoError(t, err)
	require.Empty(t, list.Contents)
}

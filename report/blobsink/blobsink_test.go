package blobsink

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/internal/emulator"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/report/reporttest"
)

func newSink(t *testing.T) *Sink {
	t.Helper()
	sink, err := New(Options{Container: "audit", Prefix: "reports", ConnectionString: emulator.Azurite(t)})
	require.NoError(t, err)
	_, err = sink.Client().Create(context.Background(), nil)
	require.NoError(t, err)
	return sink
}

func TestPublishesEveryFormatToAzuriteAndOverwritesOnRetry(t *testing.T) {
	sink := newSink(t)
	ctx := context.Background()
	// Large enough that UploadStream sends several blocks.
	rep := reporttest.Synthetic("prod-auto", "2026-W48", 3000, 10)
	key := func(file string) string { return report.ObjectKey("", "2026-W48", "prod-auto", 2, file) }
	for range 2 {
		_, err := report.Publish(ctx, sink, key, report.Renderers, rep)
		require.NoError(t, err)
	}
	var names []string
	pager := sink.Client().NewListBlobsFlatPager(nil)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		require.NoError(t, err)
		for _, b := range page.Segment.BlobItems {
			names = append(names, *b.Name)
		}
	}
	require.ElementsMatch(t, []string{
		"reports/cycle=2026-W48/group=prod-auto/report-retry-2.json",
		"reports/cycle=2026-W48/group=prod-auto/csv/report-retry-2.csv",
		"reports/cycle=2026-W48/group=prod-auto/report-retry-2.md",
		"reports/cycle=2026-W48/group=prod-auto/report-retry-2.html",
	}, names)
	for _, f := range report.Renderers {
		var want strings.Builder
		require.NoError(t, f.Render(&want, rep))
		resp, err := sink.Client().NewBlobClient(sink.Name(key(f.File))).DownloadStream(ctx, nil)
		require.NoError(t, err)
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(t, err)
		require.Equal(t, want.Len(), len(got), f.File)
		require.Equal(t, want.String(), string(got), f.File)
		require.Equal(t, f.ContentType, *resp.ContentType, f.File)
	}
}

func TestRenderErrorCommitsNoBlob(t *testing.T) {
	sink := newSink(t)
	ctx := context.Background()
	err := sink.Put(ctx, "broken.json", "application/json", func(w io.Writer) error {
		fmt.Fprint(w, "{")
		return fmt.Errorf("render failed")
	})
	require.ErrorContains(t, err, "render failed")
	page, err := sink.Client().NewListBlobsFlatPager(nil).NextPage(ctx)
	require.NoError(t, err)
	require.Empty(t, page.Segment.BlobItems)
}

package blobsink

import (
	"context"
	"testing"

	"github.com/fleetpatch/fleetpatch/internal/emulator"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/report/reporttest"
)

// BenchmarkPublish10kToAzurite streams every format of a 10,000 x 30
// report to Azurite through a pipe.
func BenchmarkPublish10kToAzurite(b *testing.B) {
	sink, err := New(Options{Container: "audit", Prefix: "reports", ConnectionString: emulator.Azurite(b)})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := sink.Client().Create(ctx, nil); err != nil {
		b.Fatal(err)
	}
	rep := reporttest.Synthetic("prod-auto", "2026-W48", 10000, 30)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := report.Publish(ctx, sink, func(f string) string { return report.ObjectKey("", "2026-W48", "prod-auto", 0, f) }, report.Renderers, rep); err != nil {
			b.Fatal(err)
		}
	}
}

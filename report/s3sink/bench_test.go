package s3sink

import (
	"context"
	"testing"

	"github.com/fleetpatch/fleetpatch/internal/emulator"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/report/reporttest"
)

// BenchmarkPublish10kToS3rver streams every format of a 10,000 x 30 report
// to s3rver.
func BenchmarkPublish10kToS3rver(b *testing.B) {
	endpoint := emulator.S3rver(b, "audit")
	ctx := context.Background()
	sink, err := New(ctx, Options{Bucket: "audit", Prefix: "reports", Endpoint: endpoint, PathStyle: true})
	if err != nil {
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

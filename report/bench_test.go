package report_test

import (
	"context"
	"io"
	"testing"

	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/report/reporttest"
)

// benchReport is the scale: 10,000 servers x 30 packages.
func benchReport(b *testing.B) *report.Report {
	b.Helper()
	return reporttest.Synthetic("prod-auto", "2026-W48", 10000, 30)
}

// countingWriter counts bytes and drops them.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func BenchmarkRender10kServers30Packages(b *testing.B) {
	rep := benchReport(b)
	for _, f := range report.Renderers {
		b.Run(f.Name, func(b *testing.B) {
			b.ReportAllocs()
			var size int64
			for b.Loop() {
				w := &countingWriter{}
				if err := f.Render(w, rep); err != nil {
					b.Fatal(err)
				}
				size = w.n
			}
			b.ReportMetric(float64(size)/1e6, "MB/report")
		})
	}
}

func BenchmarkDirSinkAllFormats10k(b *testing.B) {
	rep := benchReport(b)
	sink := report.DirSink{Root: b.TempDir()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := report.Publish(context.Background(), sink, func(f string) string { return f }, report.Renderers, rep); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFleetRollUp10k(b *testing.B) {
	dir := b.TempDir()
	if _, err := report.WriteFiles(report.RunDir(dir, "prod-auto", "2026-W48", 0), benchReport(b)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		f, err := report.LoadFleet(dir, "2026-W48", nil, benchTime)
		if err != nil {
			b.Fatal(err)
		}
		if err := report.RenderFleetHTML(io.Discard, f); err != nil {
			b.Fatal(err)
		}
	}
}

var benchTime = reporttest.Synthetic("g", "c", 0, 0).Header.GeneratedAt

package sim_test

import (
	"context"
	"testing"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// BenchmarkScan10000ThroughProvider scans a 10,000-instance fleet through
// the provider in batches of 50 (one op = the whole fleet).
func BenchmarkScan10000ThroughProvider(b *testing.B) {
	p := newProvider(10_000, 1)
	ids := p.Fleet().IDs()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(ids); i += fleet.MaxBatch {
			if _, err := p.Scan(ctx, ids[i:i+fleet.MaxBatch], nil); err != nil {
				b.Fatal(err)
			}
		}
		p.ResetCalls()
	}
}

package report_test

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/report/reporttest"
)

func render(t *testing.T, f report.Renderer, r *report.Report) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, f.Render(&b, r))
	return b.String()
}

func TestEveryFormatIsDeterministic(t *testing.T) {
	for _, f := range report.Renderers {
		a := render(t, f, reporttest.Synthetic("g", "2026-W48", 200, 5))
		b := render(t, f, reporttest.Synthetic("g", "2026-W48", 200, 5))
		require.Equal(t, a, b, f.Name)
	}
}

func TestJSONRoundTripsThroughTheStreamingDecoder(t *testing.T) {
	rep := reporttest.Synthetic("g", "2026-W48", 100, 4)
	out, err := report.ReadReport(strings.NewReader(render(t, report.Renderers[0], rep)))
	require.NoError(t, err)
	require.Equal(t, report.SchemaVersion, out.Schema)
	require.Equal(t, rep.Header.Counts, out.Header.Counts)
	require.Equal(t, rep.Header.ByWave, out.Header.ByWave)
	require.Len(t, out.Instances, 100)
	require.Equal(t, rep.Instances[17], out.Instances[17])
}

func TestCSVHasOneRowPerInstanceAndPackage(t *testing.T) {
	rep := reporttest.Synthetic("g", "2026-W48", 100, 4)
	rows, err := csv.NewReader(strings.NewReader(render(t, report.Renderers[1], rep))).ReadAll()
	require.NoError(t, err)
	want := 0
	seen := map[string]bool{}
	for _, i := range rep.Instances {
		want += max(1, len(i.Packages))
		for _, p := range i.Packages {
			seen[i.ID+" "+p.PatchID+" "+p.FromVersion+" "+p.ToVersion] = true
		}
	}
	require.Len(t, rows, want+1)
	col := map[string]int{}
	for n, c := range rows[0] {
		col[c] = n
	}
	for _, r := range rows[1:] {
		if r[col["patch_id"]] != "" {
			k := r[col["instance_id"]] + " " + r[col["patch_id"]] + " " + r[col["from_version"]] + " " + r[col["to_version"]]
			require.True(t, seen[k], k)
			delete(seen, k)
		}
	}
	require.Empty(t, seen, "every package is in the CSV")
}

func TestMarkdownSummarizesCountsFailuresAndMissingSecurityPatches(t *testing.T) {
	rep := reporttest.Synthetic("prod-auto", "2026-W48", 100, 4)
	md := render(t, report.Renderers[2], rep)
	for o, n := range rep.Header.Counts {
		require.Contains(t, md, "| "+string(o)+" | "+itoa(n)+" |")
	}
	require.Contains(t, md, "approved by ops-lead@example.com")
	require.Contains(t, md, "| failed | dpkg: error processing package | 5 |")
	require.Contains(t, md, "CVE-2026-1000")
	require.Contains(t, md, "| UBUNTU | 25 |")
}

func TestHTMLIsSelfContainedListsEveryServerAndPackageFailuresFirst(t *testing.T) {
	rep := reporttest.Synthetic("prod-auto", "2026-W48", 100, 4)
	page := render(t, report.Renderers[3], rep)
	require.NotRegexp(t, `(src|href)="(https?:)?//`, page, "no external assets")
	require.Contains(t, page, "<svg")
	for _, i := range rep.Instances {
		require.Contains(t, page, "<code>"+i.ID+"</code>")
	}
	for _, p := range report.PackageStats(rep) {
		require.Contains(t, page, "<code>"+p.PatchID+"</code>")
	}
	servers := page[strings.Index(page, `id="servers"`):]
	firstFailed := strings.Index(servers, `badge o-failed`)
	require.Positive(t, firstFailed)
	require.Less(t, firstFailed, strings.Index(servers, `badge o-patched`), "failures first")
	require.Less(t, strings.Index(servers, `badge o-unreachable`), strings.Index(servers, `badge o-already-compliant`))
}

func TestHTMLEscapesText(t *testing.T) {
	rep := reporttest.Synthetic("g", "2026-W48", 3, 1)
	rep.Instances[0].Name = `<script>alert(1)</script>`
	page := render(t, report.Renderers[3], rep)
	require.NotContains(t, page, `<script>alert(1)`)
	require.Contains(t, page, `&lt;script&gt;alert(1)`)
}

func TestObjectKeysArePartitionedForAthena(t *testing.T) {
	require.Equal(t, "reports/cycle=2026-W48/group=prod-auto/report.json", report.ObjectKey("reports", "2026-W48", "prod-auto", 0, "report.json"))
	require.Equal(t, "cycle=2026-W48/group=prod-auto/csv/report.csv", report.ObjectKey("", "2026-W48", "prod-auto", 0, "report.csv"))
	require.Equal(t, "r/cycle=2026-W48/group=g/csv/report-retry-2.csv", report.ObjectKey("/r/", "2026-W48", "g", 2, "report.csv"))
	require.Equal(t, "r/cycle=2026-W48/fleet/fleet.html", report.FleetKey("r", "2026-W48", "fleet.html"))
}

func itoa(n int) string { return strconv.Itoa(n) }

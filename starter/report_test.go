package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/report/reporttest"
)

// reportData writes two groups' reports of 2026-W48 into DIR/reports.
func reportData(t *testing.T) string {
	data := t.TempDir()
	for g, n := range map[string]int{"prod-auto": 30, "nonprod": 20} {
		_, err := report.WriteFiles(report.RunDir(filepath.Join(data, "reports"), g, "2026-W48", 0), reporttest.Synthetic(g, "2026-W48", n, 4))
		require.NoError(t, err)
	}
	return data
}

func TestReportGroupInEveryFormat(t *testing.T) {
	data := reportData(t)
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"report", "--cycle", "2026-W48", "--group", "nonprod", "--format", "json", "--data", data}, &out, &errb), errb.String())
	rep, err := report.ReadReport(&out)
	require.NoError(t, err)
	require.Len(t, rep.Instances, 20)

	out.Reset()
	require.Equal(t, 0, run([]string{"report", "--cycle", "2026-W48", "--group", "nonprod", "--format", "csv", "--data", data}, &out, &errb))
	rows, err := csv.NewReader(&out).ReadAll()
	require.NoError(t, err)
	require.Equal(t, report.CSVColumns, rows[0])

	file := filepath.Join(t.TempDir(), "r.html")
	require.Equal(t, 0, run([]string{"report", "--cycle", "2026-W48", "--group", "nonprod", "--format", "html", "--out", file, "--data", data}, &out, &errb))
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(b), "<!DOCTYPE html>"))
}

func TestReportRollUpCoversEveryGroupAndListsPendingOnes(t *testing.T) {
	data := reportData(t)
	var out, errb bytes.Buffer
	// The example policy has four groups; two have a report here.
	require.Equal(t, 0, run([]string{"report", "--cycle", "2026-W48", "--format", "json", "--data", data,
		"--policy", "../deployments/examples/policy"}, &out, &errb), errb.String())
	var f report.Fleet
	require.NoError(t, json.Unmarshal(out.Bytes(), &f))
	require.Equal(t, 50, f.Servers)
	byName := map[string]report.FleetGroup{}
	for _, g := range f.Groups {
		byName[g.Group] = g
	}
	require.Equal(t, 30, byName["prod-auto"].Servers)
	require.Equal(t, "pending", byName["prod-sensitive"].Approval, "an approval group without a report waits for approval")
	require.Equal(t, "no-report", byName["jump-log"].Status)
}

func TestReportFailsClearly(t *testing.T) {
	data := reportData(t)
	var out, errb bytes.Buffer
	require.Equal(t, 1, run([]string{"report", "--cycle", "2026-W01", "--group", "nonprod", "--data", data}, &out, &errb))
	require.Contains(t, errb.String(), "no report for group nonprod, cycle 2026-W01")
	errb.Reset()
	require.Equal(t, 1, run([]string{"report", "--cycle", "2026-W48", "--format", "pdf", "--data", data}, &out, &errb))
	require.Contains(t, errb.String(), `unknown format "pdf"`)
	require.Equal(t, 2, run([]string{"report"}, &out, &errb))
}

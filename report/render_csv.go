package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// CSVColumns are the CSV header: one row per instance x package, with the
// columns a spreadsheet user filters on. Instances without packages get one
// row with the package columns empty. wave is empty for instances that were
// in no rollout wave (0 is the canary). The last four columns describe
// the instance again: a reboot deferred by live patches and the CVEs they
// fix, and an Amazon Linux 2023 release move (empty when none).
var CSVColumns = []string{"group", "cycle", "retry", "instance_id", "name", "cloud", "account", "region", "os", "os_version",
	"outcome", "reason", "wave", "reboot_needed", "reboot_done", "patch_id", "package", "kb", "from_version", "to_version",
	"classification", "severity", "cves", "state", "error", "reboot_deferred", "live_patched_cves", "release_from", "release_to"}

// csvInstanceColumns is how many leading columns describe the instance,
// csvPackageColumns how many follow for the package.
const (
	csvInstanceColumns = 15
	csvPackageColumns  = 10
)

// RenderCSV writes the report as CSV, one row at a time.
func RenderCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	row := make([]string, len(CSVColumns))
	retry := strconv.Itoa(r.Header.Retry)
	for _, i := range r.Instances {
		wave := ""
		if i.Planned {
			wave = strconv.Itoa(i.Wave)
		}
		copy(row, []string{r.Header.Group, r.Header.Cycle, retry, i.ID, i.Name, string(i.Cloud), i.Account, i.Region,
			string(i.OS), i.OSVersion, string(i.Outcome), i.Reason, wave,
			strconv.FormatBool(i.Reboot.Needed), strconv.FormatBool(i.Reboot.Done)})
		var from, to string
		if i.Release != nil {
			from, to = i.Release.From, i.Release.To
		}
		copy(row[csvInstanceColumns+csvPackageColumns:], []string{strconv.FormatBool(i.Reboot.Deferred),
			strings.Join(i.Reboot.LivePatchedCVEs, " "), from, to})
		if len(i.Packages) == 0 {
			clear(row[csvInstanceColumns : csvInstanceColumns+csvPackageColumns])
			if err := cw.Write(row); err != nil {
				return err
			}
			continue
		}
		for _, p := range i.Packages {
			copy(row[csvInstanceColumns:], []string{p.PatchID, p.Name, p.KB, p.FromVersion, p.ToVersion, p.Classification,
				p.Severity, strings.Join(p.CVEs, " "), string(p.State), p.Error})
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

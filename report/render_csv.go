package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// CSVColumns are the CSV header: one row per instance x package, with the
// columns a spreadsheet user filters on. Instances without packages get one
// row with the package columns empty.
var CSVColumns = []string{"group", "cycle", "instance_id", "name", "cloud", "account", "region", "os", "os_version",
	"outcome", "reason", "wave", "reboot_needed", "reboot_done", "package", "kb", "from_version", "to_version",
	"classification", "severity", "cves", "state", "error"}

// RenderCSV writes the report as CSV.
func RenderCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVColumns); err != nil {
		return err
	}
	for _, i := range r.Instances {
		base := []string{r.Header.Group, r.Header.Cycle, i.ID, i.Name, string(i.Cloud), i.Account, i.Region,
			string(i.OS), i.OSVersion, string(i.Outcome), i.Reason, strconv.Itoa(i.Wave),
			strconv.FormatBool(i.Reboot.Needed), strconv.FormatBool(i.Reboot.Done)}
		if len(i.Packages) == 0 {
			if err := cw.Write(append(base, "", "", "", "", "", "", "", "", "")); err != nil {
				return err
			}
			continue
		}
		for _, p := range i.Packages {
			row := append(append([]string{}, base...), p.Name, p.KB, p.FromVersion, p.ToVersion, p.Classification,
				p.Severity, strings.Join(p.CVEs, " "), string(p.State), p.Error)
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

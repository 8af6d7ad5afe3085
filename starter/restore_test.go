package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/report"
)

// restore reads the cycle's report and prints, per cloud, the steps back
// to the instance's snapshots: the root volume through a replacement task
// and data volumes swapped at their device on AWS; managed disks from the
// snapshots swapped in while deallocated on Azure.
func TestRestorePrintsTheStepsFromTheReport(t *testing.T) {
	dir := t.TempDir()
	exp := time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)
	vm := "/subscriptions/5f0c2a7e-1b3d-4c8e-9a61-2d4e6f8a0b1c/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/vm-db-1"
	rep := &report.Report{Schema: report.SchemaVersion, Header: report.Header{Group: "prod-sensitive", Cycle: "2026-W49", Counts: map[report.Outcome]int{}},
		Instances: []*report.Instance{
			{ID: "i-0abc", Name: "db-1", Cloud: fleet.CloudAWS, Region: "eu-west-1", Outcome: report.Patched, Snapshots: []report.Snapshot{
				{ID: "snap-root", Disk: "vol-root", Device: "/dev/xvda", Expires: exp}, {ID: "snap-data", Disk: "vol-data", Device: "/dev/sdf", Expires: exp}}},
			{ID: vm, Name: "vm-db-1", Cloud: fleet.CloudAzure, Outcome: report.Patched, Snapshots: []report.Snapshot{
				{ID: "/subscriptions/x/resourceGroups/rg-prod/providers/Microsoft.Compute/snapshots/s-os", Disk: "/subscriptions/x/resourceGroups/rg-prod/providers/Microsoft.Compute/disks/os", Device: "os"},
				{ID: "/subscriptions/x/resourceGroups/rg-prod/providers/Microsoft.Compute/snapshots/s-d0", Disk: "/subscriptions/x/resourceGroups/rg-prod/providers/Microsoft.Compute/disks/data0", Device: "lun-0"}}},
			{ID: "i-0none", Cloud: fleet.CloudAWS, Outcome: report.Failed},
		}}
	_, err := report.WriteFiles(report.RunDir(dir, "prod-sensitive", "2026-W49", 0), rep)
	require.NoError(t, err)
	run := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := runRestore(append([]string{"--reports", dir, "--group", "prod-sensitive", "--cycle", "2026-W49"}, args...), &out, &errOut)
		return code, out.String(), errOut.String()
	}

	code, out, _ := run("--instance", "i-0abc")
	require.Equal(t, 0, code)
	require.Contains(t, out, "aws ec2 create-replace-root-volume-task --instance-id i-0abc --snapshot-id snap-root --region eu-west-1")
	require.Contains(t, out, "aws ec2 create-volume --snapshot-id snap-data")
	require.Contains(t, out, "aws ec2 attach-volume --volume-id \"$NEW\" --instance-id i-0abc --device /dev/sdf")
	require.NotContains(t, out, "create-replace-root-volume-task --instance-id i-0abc --snapshot-id snap-data")

	code, out, _ = run("--instance", vm)
	require.Equal(t, 0, code)
	lines := strings.Split(out, "\n")
	require.Contains(t, lines, "az vm deallocate --ids "+vm)
	require.Contains(t, out, "az disk create --resource-group rg-prod --name vm-db-1-restored-0 --source /subscriptions/x/resourceGroups/rg-prod/providers/Microsoft.Compute/snapshots/s-os")
	require.Contains(t, lines, "az vm update --ids "+vm+" --os-disk \"$NEW0\"")
	require.Contains(t, lines, "az vm disk attach --resource-group rg-prod --vm-name vm-db-1 --name \"$NEW1\" --lun 0")
	require.Equal(t, "az vm start --ids "+vm, lines[len(lines)-2])

	code, _, errOut := run("--instance", "i-0none")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "took no snapshots of i-0none")
	code, _, errOut = run("--instance", "i-0gone")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "i-0gone is not in the report")
}

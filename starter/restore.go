package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/workflows"
)

func init() {
	register(command{Name: "restore", Usage: "--group G --cycle 2026-W48 --instance ID [--retry N] [--data DIR] [--apply]",
		Summary: "print (or with --apply perform) the steps that roll an instance back to the disk snapshots a cycle took before installing", Run: runRestore})
}

func runRestore(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("restore", flag.ContinueOnError)
	fset.SetOutput(stderr)
	group := fset.String("group", "", "patch group (required)")
	cycle := fset.String("cycle", "", "cycle, an ISO week such as 2026-W48 (required)")
	instance := fset.String("instance", "", "instance ID: i-..., or the Azure VM's resource ID (required)")
	retry := fset.Int("retry", 0, "the RetryFailed run's report instead of the cycle's")
	data := fset.String("data", "fleetpatch-data", "data directory; reports are read from DIR/reports")
	reports := fset.String("reports", "", "report directory (default DATA/reports)")
	apply := fset.Bool("apply", false, "perform the restore on a worker (the Restore workflow) instead of printing the steps")
	var tf temporalFlags
	tf.register(fset)
	if err := fset.Parse(args); err != nil {
		return 2
	}
	if *group == "" || *cycle == "" || *instance == "" || fset.NArg() > 0 {
		fmt.Fprintln(stderr, "restore: --group, --cycle and --instance are required and no arguments are taken")
		return 2
	}
	if *apply {
		return applyRestore(tf, activities.RestoreInput{Group: *group, Cycle: *cycle, Retry: *retry, InstanceID: *instance}, stdout, stderr)
	}
	if *reports == "" {
		*reports = filepath.Join(*data, "reports")
	}
	rep, err := report.LoadReport(*reports, *group, *cycle, *retry)
	if errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintf(stderr, "restore: no report for group %s, cycle %s in %s\n", *group, *cycle, *reports)
		return 1
	}
	if err != nil {
		fmt.Fprintln(stderr, "restore:", err)
		return 1
	}
	for _, in := range rep.Instances {
		if in.ID != *instance {
			continue
		}
		if len(in.Snapshots) == 0 {
			fmt.Fprintf(stderr, "restore: the cycle took no snapshots of %s (the group has no snapshot setting, or the instance was not installed)\n", in.ID)
			return 1
		}
		printRestore(stdout, in)
		return 0
	}
	fmt.Fprintf(stderr, "restore: %s is not in the report of group %s, cycle %s\n", *instance, *group, *cycle)
	return 1
}

// printRestore writes the cloud CLI steps that put the instance's disks
// back to the snapshots: on AWS, a root-volume replacement task for the
// root volume (no stop needed) and a new volume from each data-volume
// snapshot, swapped in place; on Azure, a managed disk from each
// snapshot, swapped in while the VM is deallocated.
func printRestore(w io.Writer, in *report.Instance) {
	fmt.Fprintf(w, "# Roll %s (%s) back to the snapshots taken before its install.\n", in.ID, in.Name)
	fmt.Fprintln(w, "# Review every step; each changes the instance. Snapshots expire (see each one's expiry).")
	for _, s := range in.Snapshots {
		fmt.Fprintf(w, "#   %s of %s (%s), expires %s\n", s.ID, s.Disk, firstOf(s.Device), s.Expires.UTC().Format("2006-01-02"))
	}
	if in.Cloud == fleet.CloudAzure {
		printAzureRestore(w, in)
		return
	}
	printAWSRestore(w, in)
}

// awsRootDevices are the root device names EC2 uses for Linux and
// Windows AMIs.
var awsRootDevices = map[string]bool{"/dev/xvda": true, "/dev/sda1": true, "/dev/sda": true, "/dev/nvme0n1": true}

// printAWSRestore: the root volume through a root-volume replacement task
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/replace-root.html),
// each data volume through a new volume from its snapshot, detached and
// attached at the same device
// (https://docs.aws.amazon.com/ebs/latest/userguide/ebs-restoring-volume.html).
func printAWSRestore(w io.Writer, in *report.Instance) {
	r := "--region " + in.Region
	for _, s := range in.Snapshots {
		if awsRootDevices[s.Device] {
			fmt.Fprintf(w, "\n# root volume %s at %s\naws ec2 create-replace-root-volume-task --instance-id %s --snapshot-id %s %s\n", s.Disk, s.Device, in.ID, s.ID, r)
			continue
		}
		fmt.Fprintf(w, "\n# data volume %s at %s\n", s.Disk, s.Device)
		fmt.Fprintf(w, "AZ=$(aws ec2 describe-instances --instance-ids %s %s --query 'Reservations[0].Instances[0].Placement.AvailabilityZone' --output text)\n", in.ID, r)
		fmt.Fprintf(w, "NEW=$(aws ec2 create-volume --snapshot-id %s --availability-zone \"$AZ\" %s --query VolumeId --output text)\n", s.ID, r)
		fmt.Fprintf(w, "aws ec2 wait volume-available --volume-ids \"$NEW\" %s\n", r)
		fmt.Fprintf(w, "aws ec2 detach-volume --volume-id %s %s && aws ec2 wait volume-available --volume-ids %s %s\n", s.Disk, r, s.Disk, r)
		fmt.Fprintf(w, "aws ec2 attach-volume --volume-id \"$NEW\" --instance-id %s --device %s %s\n", in.ID, s.Device, r)
	}
}

// printAzureRestore: a managed disk from each snapshot, the VM
// deallocated, the OS disk swapped
// (https://learn.microsoft.com/en-us/azure/virtual-machines/linux/os-disk-swap)
// and data disks detached and attached at the same LUN, then started.
func printAzureRestore(w io.Writer, in *report.Instance) {
	rg, vm := azureRG(in.ID), in.Name
	fmt.Fprintf(w, "\naz vm deallocate --ids %s\n", in.ID)
	for i, s := range in.Snapshots {
		disk := fmt.Sprintf("%s-restored-%d", vm, i)
		fmt.Fprintf(w, "NEW%d=$(az disk create --resource-group %s --name %s --source %s --query id --output tsv)\n", i, rg, disk, s.ID)
		if lun, ok := strings.CutPrefix(s.Device, "lun-"); ok {
			fmt.Fprintf(w, "az vm disk detach --resource-group %s --vm-name %s --name %s\n", rg, vm, s.Disk[strings.LastIndex(s.Disk, "/")+1:])
			fmt.Fprintf(w, "az vm disk attach --resource-group %s --vm-name %s --name \"$NEW%d\" --lun %s\n", rg, vm, i, lun)
			continue
		}
		fmt.Fprintf(w, "az vm update --ids %s --os-disk \"$NEW%d\"\n", in.ID, i)
	}
	fmt.Fprintf(w, "az vm start --ids %s\n", in.ID)
}

// azureRG is the resource group of an Azure resource ID.
func azureRG(id string) string {
	parts := strings.Split(id, "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "resourceGroups") {
			return parts[i+1]
		}
	}
	return "RESOURCE_GROUP"
}

// applyRestore runs the Restore workflow on a worker (which reads the
// run's report from its own report directory and holds the cloud
// credentials), waits for it and prints what was done per disk. It
// returns 0 when every disk was restored, 3 when some were not (left to
// the printed steps, or failed), 1 when the workflow failed.
func applyRestore(tf temporalFlags, in activities.RestoreInput, stdout, stderr io.Writer) int {
	c, err := tf.dial()
	if err != nil {
		fmt.Fprintln(stderr, "restore:", err)
		return 1
	}
	defer c.Close()
	ctx := context.Background()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.RestoreWorkflowID(in.Group, in.Cycle, in.InstanceID), TaskQueue: tf.taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.RestoreWorkflow, in)
	if err != nil {
		fmt.Fprintln(stderr, "restore:", err)
		return 1
	}
	var res activities.RestoreResult
	if err := run.Get(ctx, &res); err != nil {
		fmt.Fprintf(stderr, "restore: %s: %v\n", in.InstanceID, err)
		return 1
	}
	printRestoreResult(stdout, res)
	if !res.Restored() {
		fmt.Fprintf(stdout, "not every disk was restored: run `starter restore --group %s --cycle %s --instance %s` (without --apply) and the steps it prints for the disks above\n",
			in.Group, in.Cycle, in.InstanceID)
		return 3
	}
	return 0
}

// printRestoreResult writes one line per disk.
func printRestoreResult(w io.Writer, res activities.RestoreResult) {
	fmt.Fprintf(w, "%s (group %s, cycle %s):\n", res.InstanceID, res.Group, res.Cycle)
	for _, d := range res.Disks {
		fmt.Fprintf(w, "  %-13s %s (%s) from %s", d.State, d.Disk, firstOf(d.Device), d.SnapshotID)
		if d.TaskID != "" {
			fmt.Fprintf(w, ", task %s", d.TaskID)
		}
		if d.Error != "" {
			fmt.Fprintf(w, ": %s", d.Error)
		} else if d.Detail != "" {
			fmt.Fprintf(w, ": %s", d.Detail)
		}
		fmt.Fprintln(w)
	}
}

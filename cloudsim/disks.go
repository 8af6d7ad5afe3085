package cloudsim

import (
	"errors"
	"fmt"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// The cloud disks of the simulated instances, derived from the instance
// (its ID, cloud and platform) and the fleet's seed, so that they never
// need saving: an EC2 instance has an EBS root volume (/dev/xvda on
// Linux, /dev/sda1 on Windows) and some have a data volume at /dev/sdf;
// an Azure VM has a managed OS disk and some have a data disk at LUN 0.
// SSM hybrid nodes (mi-...) have no cloud disks.

// DataDiskShare is the share of instances with a data disk.
const DataDiskShare = 0.3

// ErrNoCloudDisks is the error of Disks for an SSM hybrid node: it is not
// an EC2 instance and has no EBS volumes.
var ErrNoCloudDisks = errors.New("the instance is an SSM hybrid node (mi-...): it has no cloud disks to snapshot")

// Disk is one cloud disk of a simulated instance.
type Disk struct {
	// ID is the EBS volume ID (vol-...) or the managed disk's resource ID.
	ID string `json:"id"`
	// Name is the managed disk's name (Azure); "" on AWS.
	Name string `json:"name,omitempty"`
	// Device is where the disk is attached: /dev/xvda, /dev/sda1 or
	// /dev/sdf on AWS; "os" or "lun-N" on Azure.
	Device string `json:"device"`
	// Lun is an Azure data disk's LUN (-1 for every other disk).
	Lun int `json:"lun"`
	// Root marks the boot volume or OS disk.
	Root    bool `json:"root,omitempty"`
	SizeGiB int  `json:"sizeGiB"`
}

// Disks returns the instance's cloud disks, the root disk first.
func (f *Fleet) Disks(instanceID string) ([]Disk, error) {
	m := f.byID[instanceID]
	if m == nil {
		return nil, fmt.Errorf("cloudsim: instance %s not found", instanceID)
	}
	return f.disksOf(m.static)
}

func (f *Fleet) disksOf(in fleet.Instance) ([]Disk, error) {
	windows := in.OS.IsWindows()
	data := chance(DataDiskShare, f.seed, "data-disk", in.ID)
	switch {
	case strings.HasPrefix(in.ID, "mi-"):
		return nil, fmt.Errorf("cloudsim: %s: %w", in.ID, ErrNoCloudDisks)
	case in.Cloud == fleet.CloudAzure:
		size := 30
		if windows {
			size = 127
		}
		prefix := "/subscriptions/" + in.Account + "/resourceGroups/" + in.ResourceGroup + "/providers/Microsoft.Compute/disks/"
		// Azure names a VM's OS disk <vm>_OsDisk_1_<32 hex digits>.
		osName := fmt.Sprintf("%s_OsDisk_1_%016x%016x", in.Name, hash64(f.seed, "os-disk", in.ID), hash64(f.seed, "os-disk-2", in.ID))
		out := []Disk{{ID: prefix + osName, Name: osName, Device: "os", Lun: -1, Root: true, SizeGiB: size}}
		if data {
			name := in.Name + "_DataDisk_0"
			out = append(out, Disk{ID: prefix + name, Name: name, Device: "lun-0", Lun: 0, SizeGiB: 128})
		}
		return out, nil
	}
	root, size := "/dev/xvda", 8
	if windows {
		root, size = "/dev/sda1", 30
	}
	out := []Disk{{ID: volumeID(f.seed, in.ID, "root"), Device: root, Lun: -1, Root: true, SizeGiB: size}}
	if data {
		out = append(out, Disk{ID: volumeID(f.seed, in.ID, "data"), Device: "/dev/sdf", Lun: -1, SizeGiB: 100})
	}
	return out, nil
}

// volumeID is an EBS volume ID: "vol-0" and 16 hex digits.
func volumeID(seed int64, instanceID, which string) string {
	return fmt.Sprintf("vol-0%016x", hash64(seed, "volume", instanceID, which))
}

// diskRef is a disk and the instance it is attached to.
type diskRef struct {
	instanceID string
	disk       Disk
}

// DiskOwner returns the instance a disk (volume ID or managed disk
// resource ID, case-insensitive) is attached to, and the disk.
func (f *Fleet) DiskOwner(diskID string) (fleet.Instance, Disk, bool) {
	s := &f.snaps
	s.diskOnce.Do(func() {
		s.disks = map[string]diskRef{}
		for _, m := range f.machines {
			disks, _ := f.disksOf(m.static)
			for _, d := range disks {
				s.disks[strings.ToLower(d.ID)] = diskRef{instanceID: m.static.ID, disk: d}
			}
		}
	})
	ref, ok := s.disks[strings.ToLower(diskID)]
	if !ok {
		return fleet.Instance{}, Disk{}, false
	}
	in, _ := f.Instance(ref.instanceID)
	return in, ref.disk, true
}

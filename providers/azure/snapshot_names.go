package azure

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// notNameChar is what a snapshot name cannot hold: Azure accepts a-z,
// A-Z, 0-9, _ and -, at most 80 characters
// (https://learn.microsoft.com/rest/api/compute/snapshots/create-or-update#uri-parameters).
var notNameChar = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// snapshotName is the name of a request's snapshot of one disk: "fp-",
// the VM's name (cut to 48 characters), the device and 16 hex digits of a
// SHA-256 of the key and the disk's ID. It depends on nothing else, so a
// retry finds the snapshot an earlier attempt took (a PUT on it is
// idempotent), and another key never does.
func snapshotName(key, diskID, vmName, device string) string {
	sum := sha256.Sum256([]byte(key + "\x00" + strings.ToLower(diskID)))
	vm := notNameChar.ReplaceAllString(vmName, "-")
	if len(vm) > 48 {
		vm = vm[:48]
	}
	return "fp-" + vm + "-" + strings.ReplaceAll(device, "-", "") + "-" + hex.EncodeToString(sum[:8])
}

// snapshotTags are the tags of a request's snapshot of one disk.
func snapshotTags(req fleet.SnapshotRequest, vmID, device string) map[string]*string {
	tags := map[string]*string{
		fleet.SnapshotTagKey: to.Ptr(req.Key), fleet.SnapshotTagInstance: to.Ptr(vmID), fleet.SnapshotTagDevice: to.Ptr(device),
		fleet.SnapshotTagGroup: to.Ptr(req.Group), fleet.SnapshotTagCycle: to.Ptr(req.Cycle),
	}
	if !req.Expires.IsZero() {
		tags[fleet.SnapshotTagExpires] = to.Ptr(req.Expires.UTC().Format(time.RFC3339))
	}
	return tags
}

// tagOf reads a tag ("" when absent).
func tagOf(tags map[string]*string, key string) string {
	if v := tags[key]; v != nil {
		return *v
	}
	return ""
}

// diskSnapshotOf converts a snapshot resource of a subscription.
func diskSnapshotOf(sub string, s armcompute.Snapshot) fleet.DiskSnapshot {
	d := fleet.DiskSnapshot{ID: deref(s.ID), Cloud: fleet.CloudAzure, Account: sub, Region: deref(s.Location),
		InstanceID: tagOf(s.Tags, fleet.SnapshotTagInstance), Device: tagOf(s.Tags, fleet.SnapshotTagDevice),
		Group: tagOf(s.Tags, fleet.SnapshotTagGroup), Cycle: tagOf(s.Tags, fleet.SnapshotTagCycle)}
	if p := s.Properties; p != nil {
		d.State = deref(p.ProvisioningState)
		if p.TimeCreated != nil {
			d.Created = *p.TimeCreated
		}
		if p.CreationData != nil {
			d.Disk = deref(p.CreationData.SourceResourceID)
		}
	}
	d.Expires, _ = time.Parse(time.RFC3339, tagOf(s.Tags, fleet.SnapshotTagExpires))
	return d
}

// matchesFilter reports whether a snapshot matches a filter: instance,
// group and cycle equal when set, and with ExpiredBefore an expiry tag
// before it (a snapshot without a readable expiry never expires).
func matchesFilter(d fleet.DiskSnapshot, f fleet.SnapshotFilter) bool {
	switch {
	case f.InstanceID != "" && !strings.EqualFold(d.InstanceID, f.InstanceID),
		f.Group != "" && d.Group != f.Group,
		f.Cycle != "" && d.Cycle != f.Cycle:
		return false
	case !f.ExpiredBefore.IsZero():
		return !d.Expires.IsZero() && d.Expires.Before(f.ExpiredBefore)
	}
	return true
}

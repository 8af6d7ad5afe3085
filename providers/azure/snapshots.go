package azure

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/compute/armcompute/v7"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var _ fleet.Snapshotter = (*Provider)(nil)

// Snapshot takes managed-disk snapshots of every disk of at most 50 VMs,
// in parallel (bounded per subscription as every call): it reads the VM
// (storageProfile: osDisk and dataDisks with their managedDisk.id and
// LUN), then per disk GETs the snapshot of the name the request's key and
// the disk determine (see snapshotName) and, unless it exists and has
// succeeded, PUTs it (createOption Copy of the disk, in the VM's resource
// group and location, tagged, see snapshotTags) and polls the
// long-running operation until it ends or ctx does
// (https://learn.microsoft.com/rest/api/compute/snapshots/create-or-update,
// https://learn.microsoft.com/rest/api/compute/virtual-machines/get#storageprofile).
// A retry with the same key thus finds the snapshots an earlier attempt
// took and takes none. Arc machines, unmanaged disks and per-VM failures
// are per-instance errors; throttling that outlasts azcore's retries, a
// denied permission and the end of ctx fail the call.
func (p *Provider) Snapshot(ctx context.Context, req fleet.SnapshotRequest, progress fleet.Progress) ([]fleet.InstanceSnapshots, error) {
	if err := checkBatch("Snapshot", len(req.InstanceIDs)); err != nil {
		return nil, err
	}
	if req.Key == "" {
		return nil, fmt.Errorf("azure: snapshot request without a key (it makes retries idempotent): %w", fleet.ErrPermanent)
	}
	clients := &snapshotClients{p: p, bySub: map[string]*armcompute.SnapshotsClient{}}
	out := make([]fleet.InstanceSnapshots, len(req.InstanceIDs))
	errs := make([]error, len(req.InstanceIDs))
	p.forEach(ctx, req.InstanceIDs, progress, func(ctx context.Context, i int, m machine, beat func()) {
		out[i], errs[i] = p.snapshotVM(ctx, clients, req, m, beat)
	}, func(i int, err error) {
		out[i] = fleet.InstanceSnapshots{InstanceID: req.InstanceIDs[i], Error: err.Error()}
	})
	for _, err := range errs {
		if callError(err) {
			return out, wrapCallError(err)
		}
	}
	return out, nil
}

// snapshotClients makes one SnapshotsClient per subscription, with the
// provider's client options (its retry policy and ARM request buckets).
type snapshotClients struct {
	p     *Provider
	mu    sync.Mutex
	bySub map[string]*armcompute.SnapshotsClient
}

func (c *snapshotClients) of(sub string) (*armcompute.SnapshotsClient, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if sc := c.bySub[strings.ToLower(sub)]; sc != nil {
		return sc, nil
	}
	sc, err := armcompute.NewSnapshotsClient(sub, c.p.cfg.Credential, c.p.opts)
	if err != nil {
		return nil, err
	}
	c.bySub[strings.ToLower(sub)] = sc
	return sc, nil
}

// vmDisk is a managed disk of a VM and where it is attached.
type vmDisk struct{ id, device string }

// snapshotVM snapshots one VM's disks. The error is set only when it may
// concern the whole call (see callError); the result says the rest.
func (p *Provider) snapshotVM(ctx context.Context, clients *snapshotClients, req fleet.SnapshotRequest, m machine, beat func()) (fleet.InstanceSnapshots, error) {
	out := fleet.InstanceSnapshots{InstanceID: m.ID}
	if m.Arc {
		out.Error = "Arc-enabled server: it has no managed disks to snapshot"
		out.NoCloudDisks = true
		return out, nil
	}
	vms, err := p.vmClient(m.Sub)
	if err != nil {
		out.Error = err.Error()
		return out, nil
	}
	vm, err := vms.Get(ctx, m.RG, m.Name, nil)
	if err != nil {
		out.Error = machineError("get VM", err)
		return out, err
	}
	disks, err := managedDisks(vm.VirtualMachine)
	if err != nil {
		out.Error = err.Error()
		return out, nil
	}
	sc, err := clients.of(m.Sub)
	if err != nil {
		out.Error = err.Error()
		return out, nil
	}
	for _, d := range disks {
		snap, err := p.snapshotDisk(ctx, sc, req, m, deref(vm.Location), d, beat)
		if err != nil {
			out.Error = machineError("snapshot of "+d.device+" disk "+d.id, err)
			return out, err
		}
		ds := diskSnapshotOf(m.Sub, snap)
		ds.InstanceID, ds.Disk, ds.Device = m.ID, d.id, d.device
		out.Snapshots = append(out.Snapshots, ds)
	}
	return out, nil
}

// managedDisks lists a VM's managed disks, the OS disk first; an
// unmanaged (VHD) disk cannot be snapshotted this way.
func managedDisks(vm armcompute.VirtualMachine) ([]vmDisk, error) {
	if vm.Properties == nil || vm.Properties.StorageProfile == nil || vm.Properties.StorageProfile.OSDisk == nil {
		return nil, errors.New("the VM shows no storageProfile.osDisk")
	}
	sp := vm.Properties.StorageProfile
	var out []vmDisk
	add := func(md *armcompute.ManagedDiskParameters, name *string, device string) error {
		if md == nil || md.ID == nil {
			return fmt.Errorf("disk %s (%s) is not a managed disk: it cannot be snapshotted", deref(name), device)
		}
		out = append(out, vmDisk{id: *md.ID, device: device})
		return nil
	}
	if err := add(sp.OSDisk.ManagedDisk, sp.OSDisk.Name, "os"); err != nil {
		return nil, err
	}
	for _, d := range sp.DataDisks {
		if d == nil {
			continue
		}
		lun := "lun-?"
		if d.Lun != nil {
			lun = "lun-" + strconv.Itoa(int(*d.Lun))
		}
		if err := add(d.ManagedDisk, d.Name, lun); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// snapshotDisk finds or takes the request's snapshot of one disk and
// waits until it has succeeded.
func (p *Provider) snapshotDisk(ctx context.Context, sc *armcompute.SnapshotsClient, req fleet.SnapshotRequest, m machine, location string, d vmDisk, beat func()) (armcompute.Snapshot, error) {
	name := snapshotName(req.Key, d.id, m.Name, d.device)
	got, err := sc.Get(ctx, m.RG, name, nil)
	var re *azcore.ResponseError
	switch {
	case err == nil && got.Properties != nil && strings.EqualFold(deref(got.Properties.ProvisioningState), "Succeeded"):
		return got.Snapshot, nil
	case err != nil && !(errors.As(err, &re) && re.StatusCode == http.StatusNotFound):
		return armcompute.Snapshot{}, err
	}
	pl, err := sc.BeginCreateOrUpdate(ctx, m.RG, name, armcompute.Snapshot{
		Location: to.Ptr(location),
		Tags:     snapshotTags(req, m.ID, d.device),
		Properties: &armcompute.SnapshotProperties{
			CreationData: &armcompute.CreationData{CreateOption: to.Ptr(armcompute.DiskCreateOptionCopy), SourceResourceID: to.Ptr(d.id)},
			Incremental:  to.Ptr(false),
		},
	}, nil)
	if err != nil {
		return armcompute.Snapshot{}, err
	}
	res, err := poll(ctx, pl, p.cfg.PollInterval, beat)
	if err != nil {
		return armcompute.Snapshot{}, err
	}
	return res.Snapshot, nil
}

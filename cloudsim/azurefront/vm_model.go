package azurefront

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// serveVMModel answers GET of a VM: the VirtualMachine resource with its
// storageProfile, the managed OS disk and data disks (name, LUN,
// managedDisk.id, size) that the fleet gives the instance (cloudsim
// Fleet.Disks) (https://learn.microsoft.com/rest/api/compute/virtual-machines/get#storageprofile).
// The patch settings and instanceView are added on the way out (see
// patchView).
func (s *Server) serveVMModel(w http.ResponseWriter, in fleet.Instance) {
	osType, _, _ := osView(in)
	disks, err := s.fleet.Disks(in.ID)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "InternalExecutionError", err.Error())
		return
	}
	storage := map[string]any{"dataDisks": []any{}}
	var data []any
	for _, d := range disks {
		managed := map[string]any{"id": d.ID, "storageAccountType": "Premium_LRS"}
		if d.Root {
			storage["osDisk"] = map[string]any{"osType": osType, "name": d.Name, "createOption": "FromImage", "caching": "ReadWrite",
				"managedDisk": managed, "diskSizeGB": d.SizeGiB, "deleteOption": "Delete"}
			continue
		}
		data = append(data, map[string]any{"lun": d.Lun, "name": d.Name, "createOption": "Empty", "caching": "None",
			"managedDisk": managed, "diskSizeGB": d.SizeGiB, "deleteOption": "Detach", "toBeDetached": false})
	}
	if data != nil {
		storage["dataDisks"] = data
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": in.ID, "name": in.Name, "type": "Microsoft.Compute/virtualMachines", "location": in.Region, "tags": in.Tags,
		"properties": map[string]any{
			"vmId":              uuidOf(in.ID),
			"hardwareProfile":   map[string]any{"vmSize": "Standard_D2s_v5"},
			"storageProfile":    storage,
			"provisioningState": "Succeeded",
		},
	})
}

// uuidOf is a stable UUID-shaped ID derived from a resource ID (FNV-1a,
// not random: the same resource always shows the same ID).
func uuidOf(id string) string {
	h := fnv.New128a()
	h.Write([]byte(strings.ToLower(id)))
	b := h.Sum(nil)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

package azurefront

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// Managed-disk snapshots (Microsoft.Compute/snapshots) over the fleet's
// snapshot store (cloudsim/snapshots.go), of the managed disks of the
// fleet's VMs (Arc machines have none):
//
//	PUT    .../resourceGroups/{rg}/providers/Microsoft.Compute/snapshots/{name}  creationData Copy of a disk; LRO
//	GET    .../resourceGroups/{rg}/providers/Microsoft.Compute/snapshots/{name}
//	DELETE .../resourceGroups/{rg}/providers/Microsoft.Compute/snapshots/{name}  LRO; 204 when there is none
//	GET    /subscriptions/{s}[/resourceGroups/{rg}]/providers/Microsoft.Compute/snapshots  list, nextLink paging
//
// (https://learn.microsoft.com/rest/api/compute/snapshots). A new
// snapshot answers 202 with Azure-AsyncOperation and Location; its
// provisioningState is Creating until the fleet completes it, then
// Succeeded, and the operation ends then. A PUT on an existing snapshot
// of the same disk answers 200 with it as it is (its tags are kept).

// snapshotPath parses the snapshot paths: subscription, resource group
// (may be empty for a subscription's list) and name (empty for a list).
var snapshotPath = regexp.MustCompile(`(?i)^/subscriptions/([^/]+)(?:/resourceGroups/([^/]+))?/providers/Microsoft\.Compute/snapshots(?:/([^/]+))?/?$`)

// snapshotName is what Azure accepts as a snapshot name: a-z, A-Z, 0-9,
// _ and -, at most 80 characters.
var snapshotName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// routeSnapshots serves the snapshot endpoints.
func (s *Server) routeSnapshots(w *statusRecorder, r *http.Request, c *Call) {
	c.Op = "snapshots"
	m := snapshotPath.FindStringSubmatch(r.URL.Path)
	switch {
	case m == nil:
		writeError(w, http.StatusNotFound, "NotFound", "the emulator does not serve "+r.Method+" "+r.URL.Path)
	case m[3] == "" && r.Method == http.MethodGet:
		c.Resource = r.URL.Path
		s.listSnapshots(w, r, m[1], m[2])
	case m[3] == "" || m[2] == "":
		writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" of a snapshot list is not served")
	default:
		c.Resource = r.URL.Path
		switch r.Method {
		case http.MethodPut:
			s.putSnapshot(w, r, m[1], m[2], m[3])
		case http.MethodGet:
			s.getSnapshot(w, r.URL.Path, m[2], m[3])
		case http.MethodDelete:
			s.deleteSnapshot(w, r)
		default:
			writeError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", r.Method+" of a snapshot is not served")
		}
	}
}

// snapshotInput is the part of the Snapshot body the emulator reads.
type snapshotInput struct {
	Location   string            `json:"location"`
	Tags       map[string]string `json:"tags"`
	Properties struct {
		CreationData struct {
			CreateOption     string `json:"createOption"`
			SourceResourceID string `json:"sourceResourceId"`
		} `json:"creationData"`
	} `json:"properties"`
}

// putSnapshot creates a snapshot of a VM's managed disk.
func (s *Server) putSnapshot(w http.ResponseWriter, r *http.Request, sub, rg, name string) {
	var in snapshotInput
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: "+err.Error())
		return
	}
	src := in.Properties.CreationData.SourceResourceID
	owner, disk, found := s.fleet.DiskOwner(src)
	switch {
	case !snapshotName.MatchString(name):
		writeError(w, http.StatusBadRequest, "InvalidParameter", "The snapshot name '"+name+"' is invalid: use a-z, A-Z, 0-9, _ and -, at most 80 characters.")
		return
	case !s.knownResourceGroup(sub, rg):
		writeError(w, http.StatusNotFound, "ResourceGroupNotFound", "Resource group '"+rg+"' could not be found.")
		return
	case in.Location == "":
		writeError(w, http.StatusBadRequest, "LocationRequired", "The location property is required for this definition.")
		return
	case !strings.EqualFold(in.Properties.CreationData.CreateOption, "Copy"):
		writeError(w, http.StatusBadRequest, "InvalidParameter", "The emulator creates snapshots with createOption Copy only, not '"+in.Properties.CreationData.CreateOption+"'.")
		return
	case !found || owner.Cloud != fleet.CloudAzure || s.vms[strings.ToLower(owner.ID)] == "":
		writeError(w, http.StatusNotFound, "NotFound", "Resource '"+src+"' was not found.")
		return
	case !strings.EqualFold(strings.ReplaceAll(in.Location, " ", ""), owner.Region):
		writeError(w, http.StatusBadRequest, "InvalidParameter",
			fmt.Sprintf("The snapshot's location '%s' is not the location '%s' of its source disk %s.", in.Location, owner.Region, disk.Name))
		return
	}
	rec, created, err := s.fleet.CreateSnapshot(cloudsim.SnapshotInput{Disk: disk.ID, ID: r.URL.Path, Tags: in.Tags})
	switch {
	case errors.Is(err, cloudsim.ErrSnapshotSourceChanged):
		writeError(w, http.StatusConflict, "PropertyChangeNotAllowed", "Changing property 'sourceResourceId' is not allowed.")
		return
	case err != nil:
		writeError(w, http.StatusInternalServerError, "InternalExecutionError", err.Error())
		return
	case !created:
		writeJSON(w, http.StatusOK, s.snapshotBody(rec))
		return
	}
	s.startSnapshotOperation(w, r, sub, owner.Region, s.snapshotBody(rec), func(ctx context.Context) (any, *armError) {
		if err := s.fleet.Clock().Sleep(ctx, rec.CompleteTime.Sub(s.fleet.Now())); err != nil {
			return nil, &armError{Code: "OperationCanceled", Message: err.Error()}
		}
		if now, ok := s.fleet.SnapshotByID(rec.ID); ok {
			return s.snapshotBody(now), nil
		}
		return nil, &armError{Code: "ResourceNotFound", Message: "the snapshot was deleted before it completed"}
	})
}

// knownResourceGroup reports whether a VM of the fleet lives in the
// subscription's resource group (the emulator's resource groups).
func (s *Server) knownResourceGroup(sub, rg string) bool {
	prefix := strings.ToLower("/subscriptions/" + sub + "/resourceGroups/" + rg + "/")
	for id := range s.vms {
		if strings.HasPrefix(id, prefix) {
			return true
		}
	}
	return false
}

// getSnapshot answers a snapshot, or 404 ResourceNotFound.
func (s *Server) getSnapshot(w http.ResponseWriter, id, rg, name string) {
	rec, ok := s.fleet.SnapshotByID(id)
	if !ok || rec.Cloud != fleet.CloudAzure {
		writeError(w, http.StatusNotFound, "ResourceNotFound",
			"The Resource 'Microsoft.Compute/snapshots/"+name+"' under resource group '"+rg+"' was not found.")
		return
	}
	writeJSON(w, http.StatusOK, s.snapshotBody(rec))
}

// deleteSnapshot deletes a snapshot at once and answers 202 with an
// operation that has ended, or 204 when there is none.
func (s *Server) deleteSnapshot(w http.ResponseWriter, r *http.Request) {
	rec, ok := s.fleet.SnapshotByID(r.URL.Path)
	if !ok || rec.Cloud != fleet.CloudAzure || !s.fleet.DeleteSnapshot(rec.ID) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.startSnapshotOperation(w, r, rec.Account, rec.Region, nil, func(context.Context) (any, *armError) { return nil, nil })
}

// listSnapshots lists the snapshots of a subscription or resource group,
// PageSize a page, with nextLink ($skiptoken) to the next page.
func (s *Server) listSnapshots(w http.ResponseWriter, r *http.Request, sub, rg string) {
	prefix := strings.ToLower("/subscriptions/" + sub + "/resourceGroups/" + rg + "/")
	var all []cloudsim.SnapshotRecord
	for _, rec := range s.fleet.FindSnapshots(cloudsim.SnapshotQuery{Cloud: fleet.CloudAzure, Account: sub}) {
		if rg == "" || strings.HasPrefix(strings.ToLower(rec.ID), prefix) {
			all = append(all, rec)
		}
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	from = min(max(from, 0), len(all))
	to := min(from+s.opts.PageSize, len(all))
	value := make([]any, 0, to-from)
	for _, rec := range all[from:to] {
		value = append(value, s.snapshotBody(rec))
	}
	body := map[string]any{"value": value}
	if to < len(all) {
		q := r.URL.Query()
		q.Set("$skiptoken", strconv.Itoa(to))
		body["nextLink"] = "https://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, body)
}

// snapshotBody is a Snapshot resource
// (https://learn.microsoft.com/rest/api/compute/snapshots/get#snapshot).
func (s *Server) snapshotBody(rec cloudsim.SnapshotRecord) map[string]any {
	state := "Creating"
	if rec.State == cloudsim.SnapshotCompleted {
		state = "Succeeded"
	}
	props := map[string]any{
		"creationData": map[string]any{"createOption": "Copy", "sourceResourceId": rec.Disk, "sourceUniqueId": uuidOf(rec.Disk)},
		"diskSizeGB":   rec.SizeGiB, "diskSizeBytes": int64(rec.SizeGiB) << 30, "timeCreated": rec.StartTime.UTC().Format(time.RFC3339Nano),
		"provisioningState": state, "incremental": false, "diskState": "Unattached", "uniqueId": uuidOf(rec.ID),
	}
	if in, ok := s.fleet.Instance(rec.InstanceID); ok && rec.Device == "os" {
		props["osType"], _, _ = osView(in)
	}
	return map[string]any{"id": rec.ID, "name": rec.ID[strings.LastIndex(rec.ID, "/")+1:], "type": "Microsoft.Compute/snapshots",
		"location": rec.Region, "tags": rec.Tags, "sku": map[string]any{"name": "Standard_LRS", "tier": "Standard"}, "properties": props}
}

// startSnapshotOperation runs fn as a Microsoft.Compute operation of the
// subscription and location and answers 202 with its headers and body.
// Unlike the VM operations, snapshot operations do not make a VM busy.
func (s *Server) startSnapshotOperation(w http.ResponseWriter, r *http.Request, sub, loc string, body any, fn opFunc) {
	s.mu.Lock()
	s.seq++
	op := &operation{id: fmt.Sprintf("%08x-0000-4000-8000-%012x", s.seq, s.seq), ns: computeNS, sub: sub, loc: loc,
		start: time.Now().UTC(), done: make(chan struct{})}
	s.ops[op.id] = op
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		res, aerr := fn(s.ctx)
		s.mu.Lock()
		op.result, op.err, op.end = res, aerr, time.Now().UTC()
		s.mu.Unlock()
		close(op.done)
	}()
	s.writeAccepted(w, r, op, http.StatusAccepted, body)
}

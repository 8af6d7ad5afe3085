package awsfront

import (
	"encoding/xml"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// The root-volume replacement tasks of EC2 over the simulated fleet's
// restores (cloudsim/restore.go): CreateReplaceRootVolumeTask restores an
// instance's root volume from one of its snapshots (the instance restarts,
// its packages are back to the snapshot's), and
// DescribeReplaceRootVolumeTasks shows the task pending, then in-progress,
// then succeeded on the fleet's clock. They honour DenyAction and the
// injected throttling like the other EC2 actions.
func init() {
	ec2Actions["CreateReplaceRootVolumeTask"] = ec2Guarded("CreateReplaceRootVolumeTask", (*Server).createReplaceRootVolumeTask)
	ec2Actions["DescribeReplaceRootVolumeTasks"] = ec2Guarded("DescribeReplaceRootVolumeTasks", (*Server).describeReplaceRootVolumeTasks)
}

// replaceRootVolumeTask is EC2's ReplaceRootVolumeTask
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ReplaceRootVolumeTask.html).
type replaceRootVolumeTask struct {
	TaskID                   string   `xml:"replaceRootVolumeTaskId"`
	InstanceID               string   `xml:"instanceId"`
	TaskState                string   `xml:"taskState"`
	StartTime                string   `xml:"startTime"`
	CompleteTime             string   `xml:"completeTime,omitempty"`
	SnapshotID               string   `xml:"snapshotId"`
	DeleteReplacedRootVolume bool     `xml:"deleteReplacedRootVolume"`
	Tags                     []ec2Tag `xml:"tagSet>item"`
}

type createReplaceRootVolumeTaskResponse struct {
	XMLName   xml.Name              `xml:"CreateReplaceRootVolumeTaskResponse"`
	Xmlns     string                `xml:"xmlns,attr"`
	RequestID string                `xml:"requestId"`
	Task      replaceRootVolumeTask `xml:"replaceRootVolumeTask"`
}

type describeReplaceRootVolumeTasksResponse struct {
	XMLName   xml.Name                `xml:"DescribeReplaceRootVolumeTasksResponse"`
	Xmlns     string                  `xml:"xmlns,attr"`
	RequestID string                  `xml:"requestId"`
	Tasks     []replaceRootVolumeTask `xml:"replaceRootVolumeTaskSet>item"`
	NextToken string                  `xml:"nextToken,omitempty"`
}

// createReplaceRootVolumeTask replaces an instance's root volume with a
// volume restored from SnapshotId, which must be a completed snapshot of
// that instance's root volume; a call with an ImageId, or without a
// SnapshotId (a restore to the launch state), is refused. ClientToken makes the call
// idempotent: the same token returns the task it started, and with other
// parameters fails with IdempotentParameterMismatch
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateReplaceRootVolumeTask.html,
// https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/replace-root.html).
func (s *Server) createReplaceRootVolumeTask(r *http.Request, account, region string) (any, *apiError) {
	form := r.PostForm
	id, snap, token := form.Get("InstanceId"), form.Get("SnapshotId"), form.Get("ClientToken")
	switch {
	case id == "":
		return nil, errorf("MissingParameter", http.StatusBadRequest, "The request must contain the parameter InstanceId")
	case form.Get("ImageId") != "":
		return nil, errorf("UnsupportedOperation", http.StatusBadRequest, "The emulator restores root volumes from snapshots only, not from an AMI")
	case snap == "":
		return nil, errorf("MissingParameter", http.StatusBadRequest, "The request must contain the parameter SnapshotId (restoring to the launch state is not emulated)")
	}
	in, ok := s.fleet.Instance(id)
	if !ok || in.Cloud != fleet.CloudAWS || in.Account != account || in.Region != region {
		return nil, errorf("InvalidInstanceID.NotFound", http.StatusBadRequest, "The instance ID '%s' does not exist", id)
	}
	if token != "" {
		for _, t := range s.fleet.Restores(cloudsim.RestoreQuery{Key: token}) {
			if t.InstanceID != id || t.SnapshotID != snap {
				return nil, errorf("IdempotentParameterMismatch", http.StatusBadRequest, "The client token %s was used with other parameters", token)
			}
		}
	}
	recs := s.fleet.FindSnapshots(cloudsim.SnapshotQuery{Cloud: fleet.CloudAWS, Account: account, Region: region, IDs: []string{snap}})
	if len(recs) == 0 || recs[0].ID != snap {
		return nil, errorf("InvalidSnapshot.NotFound", http.StatusBadRequest, "The snapshot '%s' does not exist.", snap)
	}
	disks, err := s.fleet.Disks(id)
	if err != nil || len(disks) == 0 || !strings.EqualFold(disks[0].ID, recs[0].Disk) {
		return nil, errorf("InvalidParameterValue", http.StatusBadRequest,
			"The snapshot '%s' (of volume %s) does not belong to the root volume lineage of instance '%s'.", snap, recs[0].Disk, id)
	}
	rec, _, err := s.fleet.RestoreDisk(cloudsim.RestoreInput{InstanceID: id, SnapshotID: snap, Key: token})
	switch {
	case errors.Is(err, cloudsim.ErrSnapshotNotCompleted):
		return nil, errorf("IncorrectState", http.StatusBadRequest, "The snapshot '%s' is not completed.", snap)
	case errors.Is(err, cloudsim.ErrInstanceRebooting):
		return nil, errorf("IncorrectInstanceState", http.StatusBadRequest, "The instance '%s' is not in a state from which its root volume can be replaced (it is rebooting).", id)
	case err != nil:
		return nil, errorf("InternalError", http.StatusInternalServerError, "%v", err)
	}
	return createReplaceRootVolumeTaskResponse{Xmlns: ec2Namespace, RequestID: s.requestID(), Task: taskOf(rec)}, nil
}

// describeReplaceRootVolumeTasks lists the caller's root-volume
// replacement tasks in the signed region: by ReplaceRootVolumeTaskId.N
// and the filter instance-id, paginated by MaxResults and NextToken
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeReplaceRootVolumeTasks.html).
func (s *Server) describeReplaceRootVolumeTasks(r *http.Request, account, region string) (any, *apiError) {
	form := r.PostForm
	ids := ec2QueryList(form, "ReplaceRootVolumeTaskId")
	maxResults, e := ec2MaxResults(form, len(ids) > 0, "replaceRootVolumeTaskSet")
	if e != nil {
		return nil, e
	}
	filters, e := ec2Filters(form, func(name string) bool { return name == "instance-id" })
	if e != nil {
		return nil, e
	}
	var list []replaceRootVolumeTask
	for _, rec := range s.fleet.Restores(cloudsim.RestoreQuery{TaskIDs: ids}) {
		in, _ := s.fleet.Instance(rec.InstanceID)
		if !rec.Root || in.Cloud != fleet.CloudAWS || in.Account != account || in.Region != region {
			continue
		}
		if slices.ContainsFunc(filters, func(f ec2Filter) bool { return !slices.Contains(f.values, rec.InstanceID) }) {
			continue
		}
		list = append(list, taskOf(rec))
	}
	token := form.Get("NextToken")
	from, to, next, e := s.page(len(list), token, maxResults)
	if e != nil {
		return nil, errorf("InvalidParameterValue", http.StatusBadRequest, "Invalid value '%s' for nextToken", token)
	}
	return describeReplaceRootVolumeTasksResponse{Xmlns: ec2Namespace, RequestID: s.requestID(), Tasks: list[from:to], NextToken: next}, nil
}

// taskOf shows a restore as a replacement task.
func taskOf(rec cloudsim.RestoreRecord) replaceRootVolumeTask {
	t := replaceRootVolumeTask{TaskID: rec.TaskID, InstanceID: rec.InstanceID, TaskState: rec.State,
		StartTime: rec.StartTime.UTC().Format(ec2Time), SnapshotID: rec.SnapshotID}
	if rec.State == cloudsim.RestoreSucceeded {
		t.CompleteTime = rec.CompleteTime.UTC().Format(ec2Time)
	}
	return t
}

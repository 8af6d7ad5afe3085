package awsfront

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// The EBS snapshot actions of EC2, over the simulated fleet's snapshot
// store (cloudsim/snapshots.go): each account and region sees its own
// instances' snapshots. Like the SSM calls, they honour DenyAction
// ("ec2:CreateSnapshots", ...) and the injected throttling, answered in
// EC2's codes: UnauthorizedOperation (HTTP 403) and RequestLimitExceeded
// (HTTP 503) (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
func init() {
	ec2Actions["CreateSnapshots"] = ec2Guarded("CreateSnapshots", (*Server).createSnapshots)
	ec2Actions["DescribeSnapshots"] = ec2Guarded("DescribeSnapshots", (*Server).describeSnapshots)
	ec2Actions["DeleteSnapshot"] = ec2Guarded("DeleteSnapshot", (*Server).deleteSnapshot)
}

// ec2Time is how EC2's XML writes a timestamp (ISO 8601, UTC, with
// milliseconds).
const ec2Time = "2006-01-02T15:04:05.000Z"

// ec2Tag is a tagSet item.
type ec2Tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

// snapshotInfo is CreateSnapshots' SnapshotInfo
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_SnapshotInfo.html):
// its state is "state".
type snapshotInfo struct {
	SnapshotID  string   `xml:"snapshotId"`
	VolumeID    string   `xml:"volumeId"`
	VolumeSize  int      `xml:"volumeSize"`
	State       string   `xml:"state"`
	StartTime   string   `xml:"startTime"`
	Progress    string   `xml:"progress"`
	OwnerID     string   `xml:"ownerId"`
	Description string   `xml:"description"`
	Encrypted   bool     `xml:"encrypted"`
	Tags        []ec2Tag `xml:"tagSet>item"`
}

// ec2Snapshot is DescribeSnapshots' Snapshot
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Snapshot.html):
// its state is "status".
type ec2Snapshot struct {
	SnapshotID  string   `xml:"snapshotId"`
	VolumeID    string   `xml:"volumeId"`
	Status      string   `xml:"status"`
	StartTime   string   `xml:"startTime"`
	Progress    string   `xml:"progress"`
	OwnerID     string   `xml:"ownerId"`
	VolumeSize  int      `xml:"volumeSize"`
	Description string   `xml:"description"`
	Encrypted   bool     `xml:"encrypted"`
	StorageTier string   `xml:"storageTier"`
	Tags        []ec2Tag `xml:"tagSet>item"`
}

type createSnapshotsResponse struct {
	XMLName   xml.Name       `xml:"CreateSnapshotsResponse"`
	Xmlns     string         `xml:"xmlns,attr"`
	RequestID string         `xml:"requestId"`
	Snapshots []snapshotInfo `xml:"snapshotSet>item"`
}

type describeSnapshotsResponse struct {
	XMLName   xml.Name      `xml:"DescribeSnapshotsResponse"`
	Xmlns     string        `xml:"xmlns,attr"`
	RequestID string        `xml:"requestId"`
	Snapshots []ec2Snapshot `xml:"snapshotSet>item"`
	NextToken string        `xml:"nextToken,omitempty"`
}

type deleteSnapshotResponse struct {
	XMLName   xml.Name `xml:"DeleteSnapshotResponse"`
	Xmlns     string   `xml:"xmlns,attr"`
	RequestID string   `xml:"requestId"`
	Return    bool     `xml:"return"`
}

// createSnapshots takes crash-consistent snapshots of every EBS volume of
// one instance (InstanceSpecification.InstanceId; ExcludeBootVolume and
// ExcludeDataVolumeId.N leave volumes out), tagged with the
// TagSpecification.N of resource type snapshot; CopyTagsFromSource
// "volume" copies nothing (the simulated volumes have no tags), and the
// Description is answered but not kept
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSnapshots.html).
// The instance must be an EC2 instance of the caller's account and region.
func (s *Server) createSnapshots(r *http.Request, account, region string) (any, *apiError) {
	form := r.PostForm
	id := form.Get("InstanceSpecification.InstanceId")
	switch {
	case id == "":
		return nil, errorf("MissingParameter", http.StatusBadRequest, "The request must contain the parameter InstanceSpecification.InstanceId")
	case !strings.HasPrefix(id, "i-"):
		return nil, errorf("InvalidInstanceID.Malformed", http.StatusBadRequest, "Invalid id: \"%s\"", id)
	}
	if v := form.Get("CopyTagsFromSource"); v != "" && v != "volume" {
		return nil, errorf("InvalidParameterValue", http.StatusBadRequest, "Value (%s) for parameter CopyTagsFromSource is invalid. Expected: 'volume'.", v)
	}
	tags, e := snapshotTagSpecs(form)
	if e != nil {
		return nil, e
	}
	in, ok := s.fleet.Instance(id)
	if !ok || in.Cloud != fleet.CloudAWS || in.Account != account || in.Region != region {
		return nil, errorf("InvalidInstanceID.NotFound", http.StatusBadRequest, "The instance ID '%s' does not exist", id)
	}
	disks, err := s.fleet.Disks(id)
	if err != nil {
		return nil, errorf("InternalError", http.StatusInternalServerError, "%v", err)
	}
	excluded := ec2QueryList(form, "InstanceSpecification.ExcludeDataVolumeId")
	out := createSnapshotsResponse{Xmlns: ec2Namespace, RequestID: s.requestID()}
	for _, d := range disks {
		if (d.Root && form.Get("InstanceSpecification.ExcludeBootVolume") == "true") || slices.Contains(excluded, d.ID) {
			continue
		}
		rec, _, err := s.fleet.CreateSnapshot(cloudsim.SnapshotInput{Disk: d.ID, Tags: tags})
		if err != nil {
			return nil, errorf("InternalError", http.StatusInternalServerError, "%v", err)
		}
		x := s.ec2SnapshotOf(rec, form.Get("Description"))
		out.Snapshots = append(out.Snapshots, snapshotInfo{SnapshotID: x.SnapshotID, VolumeID: x.VolumeID, VolumeSize: x.VolumeSize,
			State: x.Status, StartTime: x.StartTime, Progress: x.Progress, OwnerID: x.OwnerID, Description: x.Description, Tags: x.Tags})
	}
	return out, nil
}

// snapshotTagSpecs reads TagSpecification.N (ResourceType snapshot) and
// its Tag.M.Key and Tag.M.Value.
func snapshotTagSpecs(form url.Values) (map[string]string, *apiError) {
	tags := map[string]string{}
	for i := 1; ; i++ {
		p := "TagSpecification." + strconv.Itoa(i)
		rt, ok := form[p+".ResourceType"]
		if !ok {
			return tags, nil
		}
		if len(rt) == 0 || rt[0] != "snapshot" {
			return nil, errorf("InvalidParameterValue", http.StatusBadRequest, "'%s' is not a valid taggable resource type for this operation.", strings.Join(rt, ","))
		}
		for k := 1; ; k++ {
			key := form.Get(p + ".Tag." + strconv.Itoa(k) + ".Key")
			if key == "" {
				break
			}
			tags[key] = form.Get(p + ".Tag." + strconv.Itoa(k) + ".Value")
		}
	}
}

// describeSnapshots lists the caller's snapshots in the signed region:
// by SnapshotId.N (one that does not exist fails the call with
// InvalidSnapshot.NotFound, and MaxResults is refused), Owner.N (self or
// the account; any other owner has none here) and the filters tag:<key>,
// tag-key, snapshot-id, volume-id, status and owner-id, paginated by
// MaxResults (5 to 1000) and NextToken
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSnapshots.html).
func (s *Server) describeSnapshots(r *http.Request, account, region string) (any, *apiError) {
	form := r.PostForm
	ids := ec2QueryList(form, "SnapshotId")
	maxResults, e := ec2MaxResults(form, len(ids) > 0, "snapshotSet")
	if e != nil {
		return nil, e
	}
	filters, e := snapshotFilters(form)
	if e != nil {
		return nil, e
	}
	if owners := ec2QueryList(form, "Owner"); len(owners) > 0 && !slices.Contains(owners, "self") && !slices.Contains(owners, account) {
		filters = append(filters, ec2Filter{name: "owner-id", values: owners})
	}
	recs := s.fleet.FindSnapshots(cloudsim.SnapshotQuery{Cloud: fleet.CloudAWS, Account: account, Region: region, IDs: ids})
	for _, id := range ids {
		if !slices.ContainsFunc(recs, func(r cloudsim.SnapshotRecord) bool { return r.ID == id }) {
			return nil, errorf("InvalidSnapshot.NotFound", http.StatusBadRequest, "The snapshot '%s' does not exist.", id)
		}
	}
	var list []ec2Snapshot
	for _, rec := range recs {
		x := s.ec2SnapshotOf(rec, "")
		if matchesSnapshot(filters, x, rec) {
			list = append(list, x)
		}
	}
	token := form.Get("NextToken")
	from, to, next, e := s.page(len(list), token, maxResults)
	if e != nil {
		return nil, errorf("InvalidParameterValue", http.StatusBadRequest, "Invalid value '%s' for nextToken", token)
	}
	return describeSnapshotsResponse{Xmlns: ec2Namespace, RequestID: s.requestID(), Snapshots: list[from:to], NextToken: next}, nil
}

// deleteSnapshot deletes one of the caller's snapshots; one that does not
// exist (or no longer) is InvalidSnapshot.NotFound
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteSnapshot.html).
func (s *Server) deleteSnapshot(r *http.Request, account, region string) (any, *apiError) {
	id := r.PostForm.Get("SnapshotId")
	if id == "" {
		return nil, errorf("MissingParameter", http.StatusBadRequest, "The request must contain the parameter snapshotId")
	}
	recs := s.fleet.FindSnapshots(cloudsim.SnapshotQuery{Cloud: fleet.CloudAWS, Account: account, Region: region, IDs: []string{id}})
	if len(recs) == 0 || recs[0].ID != id || !s.fleet.DeleteSnapshot(id) {
		return nil, errorf("InvalidSnapshot.NotFound", http.StatusBadRequest, "The snapshot '%s' does not exist.", id)
	}
	return deleteSnapshotResponse{Xmlns: ec2Namespace, RequestID: s.requestID(), Return: true}, nil
}

// ec2SnapshotOf shows a snapshot as DescribeSnapshots does, with its
// progress on the fleet's clock.
func (s *Server) ec2SnapshotOf(rec cloudsim.SnapshotRecord, description string) ec2Snapshot {
	progress := 100
	if total := rec.CompleteTime.Sub(rec.StartTime); rec.State != cloudsim.SnapshotCompleted && total > 0 {
		progress = min(99, int(100*s.fleet.Now().Sub(rec.StartTime)/total))
	}
	x := ec2Snapshot{SnapshotID: rec.ID, VolumeID: rec.Disk, Status: rec.State, StartTime: rec.StartTime.UTC().Format(ec2Time),
		Progress: strconv.Itoa(progress) + "%", OwnerID: rec.Account, VolumeSize: rec.SizeGiB, Description: description, StorageTier: "standard"}
	keys := make([]string, 0, len(rec.Tags))
	for k := range rec.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		x.Tags = append(x.Tags, ec2Tag{Key: k, Value: rec.Tags[k]})
	}
	return x
}

// snapshotFilters reads the filters tag:<key>, tag-key, snapshot-id,
// volume-id, status and owner-id.
func snapshotFilters(form url.Values) ([]ec2Filter, *apiError) {
	return ec2Filters(form, func(name string) bool {
		switch name {
		case "tag-key", "snapshot-id", "volume-id", "status", "owner-id":
			return true
		}
		return strings.HasPrefix(name, "tag:")
	})
}

// matchesSnapshot reports whether every filter matches, each by any of
// its values.
func matchesSnapshot(filters []ec2Filter, x ec2Snapshot, rec cloudsim.SnapshotRecord) bool {
	for _, f := range filters {
		var ok bool
		switch f.name {
		case "tag-key":
			ok = slices.ContainsFunc(f.values, func(k string) bool { _, has := rec.Tags[k]; return has })
		case "snapshot-id":
			ok = slices.Contains(f.values, x.SnapshotID)
		case "volume-id":
			ok = slices.Contains(f.values, x.VolumeID)
		case "status":
			ok = slices.Contains(f.values, x.Status)
		case "owner-id":
			ok = slices.Contains(f.values, x.OwnerID)
		default:
			v, has := rec.Tags[strings.TrimPrefix(f.name, "tag:")]
			ok = has && slices.Contains(f.values, v)
		}
		if !ok {
			return false
		}
	}
	return true
}

package awsfront

import (
	"encoding/xml"
	"net/http"
	"slices"
	"strings"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func init() {
	ec2Actions["DescribeVolumes"] = ec2Guarded("DescribeVolumes", (*Server).describeVolumes)
}

// ec2Volume is the part of the Volume shape the emulator shows
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Volume.html).
type ec2Volume struct {
	VolumeID         string                `xml:"volumeId"`
	Size             int                   `xml:"size"`
	SnapshotID       string                `xml:"snapshotId"`
	AvailabilityZone string                `xml:"availabilityZone"`
	Status           string                `xml:"status"`
	CreateTime       string                `xml:"createTime"`
	Attachments      []ec2VolumeAttachment `xml:"attachmentSet>item"`
	VolumeType       string                `xml:"volumeType"`
	Iops             int                   `xml:"iops"`
	Throughput       int                   `xml:"throughput"`
	Encrypted        bool                  `xml:"encrypted"`
}

// ec2VolumeAttachment is a VolumeAttachment
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_VolumeAttachment.html).
type ec2VolumeAttachment struct {
	VolumeID            string `xml:"volumeId"`
	InstanceID          string `xml:"instanceId"`
	Device              string `xml:"device"`
	Status              string `xml:"status"`
	AttachTime          string `xml:"attachTime"`
	DeleteOnTermination bool   `xml:"deleteOnTermination"`
}

type describeVolumesResponse struct {
	XMLName   xml.Name    `xml:"DescribeVolumesResponse"`
	Xmlns     string      `xml:"xmlns,attr"`
	RequestID string      `xml:"requestId"`
	Volumes   []ec2Volume `xml:"volumeSet>item"`
	NextToken string      `xml:"nextToken,omitempty"`
}

// describeVolumes lists the EBS volumes of the caller's EC2 instances in
// the signed region (every volume is attached, gp3): by VolumeId.N (one
// that does not exist fails the call with InvalidVolume.NotFound, and
// MaxResults is refused) and the filters attachment.instance-id,
// attachment.device and volume-id, paginated by MaxResults (5 to 1000)
// and NextToken
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeVolumes.html).
func (s *Server) describeVolumes(r *http.Request, account, region string) (any, *apiError) {
	form := r.PostForm
	ids := ec2QueryList(form, "VolumeId")
	maxResults, e := ec2MaxResults(form, len(ids) > 0, "volumeSet")
	if e != nil {
		return nil, e
	}
	filters, e := ec2Filters(form, func(name string) bool {
		return name == "attachment.instance-id" || name == "attachment.device" || name == "volume-id"
	})
	if e != nil {
		return nil, e
	}
	var list []ec2Volume
	for _, in := range s.fleet.Instances() {
		if in.Cloud != fleet.CloudAWS || in.Account != account || in.Region != region || !strings.HasPrefix(in.ID, "i-") {
			continue
		}
		disks, _ := s.fleet.Disks(in.ID)
		for _, d := range disks {
			v := ec2VolumeOf(in, d)
			if (len(ids) == 0 || slices.Contains(ids, d.ID)) && matchesVolume(filters, v) {
				list = append(list, v)
			}
		}
	}
	for _, id := range ids {
		if !slices.ContainsFunc(list, func(v ec2Volume) bool { return v.VolumeID == id }) {
			return nil, errorf("InvalidVolume.NotFound", http.StatusBadRequest, "The volume '%s' does not exist.", id)
		}
	}
	token := form.Get("NextToken")
	from, to, next, e := s.page(len(list), token, maxResults)
	if e != nil {
		return nil, errorf("InvalidParameterValue", http.StatusBadRequest, "Invalid value '%s' for nextToken", token)
	}
	return describeVolumesResponse{Xmlns: ec2Namespace, RequestID: s.requestID(), Volumes: list[from:to], NextToken: next}, nil
}

// ec2VolumeOf shows a disk of an instance as an attached gp3 volume,
// created and attached when the instance last booted.
func ec2VolumeOf(in fleet.Instance, d cloudsim.Disk) ec2Volume {
	at := in.LastBootTime.UTC().Format(ec2Time)
	return ec2Volume{VolumeID: d.ID, Size: d.SizeGiB, AvailabilityZone: in.Region + string(rune('a'+int(in.ID[len(in.ID)-1])%3)),
		Status: "in-use", CreateTime: at, VolumeType: "gp3", Iops: 3000, Throughput: 125,
		Attachments: []ec2VolumeAttachment{{VolumeID: d.ID, InstanceID: in.ID, Device: d.Device, Status: "attached",
			AttachTime: at, DeleteOnTermination: d.Root}}}
}

// matchesVolume reports whether every filter matches, each by any of its
// values.
func matchesVolume(filters []ec2Filter, v ec2Volume) bool {
	for _, f := range filters {
		var got string
		switch f.name {
		case "attachment.instance-id":
			got = v.Attachments[0].InstanceID
		case "attachment.device":
			got = v.Attachments[0].Device
		default:
			got = v.VolumeID
		}
		if !slices.Contains(f.values, got) {
			return false
		}
	}
	return true
}

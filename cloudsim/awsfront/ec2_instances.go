package awsfront

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

func init() {
	ec2Actions["DescribeInstances"] = ec2Guarded("DescribeInstances", (*Server).describeInstances)
}

// EC2 instance state codes and names of DescribeInstances' instanceState
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_InstanceState.html).
const (
	ec2StateRunning = 16
	ec2StateStopped = 80
)

// describeInstancesResponse is DescribeInstances' XML document
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstances.html):
// one reservation per instance here, as when each was launched alone.
type describeInstancesResponse struct {
	XMLName      xml.Name         `xml:"DescribeInstancesResponse"`
	Xmlns        string           `xml:"xmlns,attr"`
	RequestID    string           `xml:"requestId"`
	Reservations []ec2Reservation `xml:"reservationSet>item"`
	NextToken    string           `xml:"nextToken,omitempty"`
}

type ec2Reservation struct {
	ReservationID string        `xml:"reservationId"`
	OwnerID       string        `xml:"ownerId"`
	Instances     []ec2Instance `xml:"instancesSet>item"`
}

// ec2Instance is the part of the Instance shape the emulator shows
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Instance.html).
type ec2Instance struct {
	InstanceID    string `xml:"instanceId"`
	ImageID       string `xml:"imageId"`
	InstanceState struct {
		Code int    `xml:"code"`
		Name string `xml:"name"`
	} `xml:"instanceState"`
	PrivateDNSName string `xml:"privateDnsName"`
	// Reason is the StateTransitionReason, StateReason why it stopped.
	Reason       string `xml:"reason"`
	InstanceType string `xml:"instanceType"`
	LaunchTime   string `xml:"launchTime"`
	Placement    struct {
		AvailabilityZone string `xml:"availabilityZone"`
	} `xml:"placement"`
	Platform         string          `xml:"platform,omitempty"`
	PrivateIPAddress string          `xml:"privateIpAddress"`
	StateReason      *ec2StateReason `xml:"stateReason,omitempty"`
	// IamInstanceProfile is absent when the instance has none
	// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_IamInstanceProfile.html).
	IamInstanceProfile *ec2IamInstanceProfile `xml:"iamInstanceProfile,omitempty"`
	Tags               []ec2Tag               `xml:"tagSet>item"`
	PlatformDetails    string                 `xml:"platformDetails"`
}

type ec2StateReason struct {
	Code    string `xml:"code"`
	Message string `xml:"message"`
}

type ec2IamInstanceProfile struct {
	Arn string `xml:"arn"`
	ID  string `xml:"id"`
}

// InstanceProfileName is the instance profile every simulated EC2
// instance has unless its drift says NoInstanceProfile.
const InstanceProfileName = "fleetpatch-ssm"

// describeInstances lists the caller's EC2 instances in the signed region
// (hybrid mi- nodes are not EC2 instances): by InstanceId.N, where an ID
// that is not there fails the call with InvalidInstanceID.NotFound and
// MaxResults is refused, or by the filters instance-id,
// instance-state-name and tag:<key>, paginated by MaxResults (5 to 1000)
// and NextToken. A denied ec2:DescribeInstances (DenyAction) answers
// UnauthorizedOperation (HTTP 403, EC2's code), see ec2Guarded.
func (s *Server) describeInstances(r *http.Request, account, region string) (any, *apiError) {
	form := r.PostForm
	ids := ec2QueryList(form, "InstanceId")
	maxResults, e := ec2MaxResults(form, len(ids) > 0, "instancesSet")
	if e != nil {
		return nil, e
	}
	match, e := instanceQueryFilters(form)
	if e != nil {
		return nil, e
	}
	var list []fleet.Instance
	for _, in := range s.fleet.Instances() {
		if in.Cloud != fleet.CloudAWS || in.Account != account || in.Region != region || strings.HasPrefix(in.ID, "mi-") {
			continue
		}
		if len(ids) > 0 && !slices.Contains(ids, in.ID) {
			continue
		}
		d, _ := s.fleet.Drift(in.ID)
		if match(in, d) {
			list = append(list, in)
		}
	}
	if e := missingInstances(ids, list); e != nil {
		return nil, e
	}
	token := form.Get("NextToken")
	from, to, next, e := s.page(len(list), token, maxResults)
	if e != nil {
		return nil, errorf("InvalidParameterValue", http.StatusBadRequest, "Invalid value '%s' for nextToken", token)
	}
	out := describeInstancesResponse{Xmlns: ec2Namespace, RequestID: s.requestID(), NextToken: next}
	for _, in := range list[from:to] {
		d, _ := s.fleet.Drift(in.ID)
		out.Reservations = append(out.Reservations, ec2Reservation{
			ReservationID: "r-" + strings.TrimPrefix(in.ID, "i-"), OwnerID: account,
			Instances: []ec2Instance{ec2InstanceOf(in, d)},
		})
	}
	return out, nil
}

// missingInstances is the error of InstanceId.N naming instances that are
// not there: InvalidInstanceID.Malformed for an ID that is not an EC2
// instance ID, else InvalidInstanceID.NotFound
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html).
func missingInstances(ids []string, found []fleet.Instance) *apiError {
	var missing []string
	for _, id := range ids {
		if !strings.HasPrefix(id, "i-") {
			return errorf("InvalidInstanceID.Malformed", http.StatusBadRequest, "Invalid id: \"%s\"", id)
		}
		if !slices.ContainsFunc(found, func(in fleet.Instance) bool { return in.ID == id }) {
			missing = append(missing, id)
		}
	}
	switch {
	case len(missing) == 1:
		return errorf("InvalidInstanceID.NotFound", http.StatusBadRequest, "The instance ID '%s' does not exist", missing[0])
	case len(missing) > 1:
		return errorf("InvalidInstanceID.NotFound", http.StatusBadRequest, "The instance IDs '%s' do not exist", strings.Join(missing, ", "))
	}
	return nil
}

// ec2InstanceOf shows a simulated instance as EC2 does.
func ec2InstanceOf(in fleet.Instance, d cloudsim.Drift) ec2Instance {
	suffix := in.ID[len(in.ID)-2:]
	ip := "10.0." + itoa(int(in.ID[len(in.ID)-2])) + "." + itoa(int(in.ID[len(in.ID)-1]))
	x := ec2Instance{
		InstanceID: in.ID, ImageID: "ami-0" + strings.TrimPrefix(in.ID, "i-0")[:16], InstanceType: "t3.medium",
		PrivateDNSName: "ip-" + strings.ReplaceAll(ip, ".", "-") + "." + in.Region + ".compute.internal",
		LaunchTime:     in.LastBootTime.UTC().Format(time.RFC3339), PrivateIPAddress: ip, PlatformDetails: "Linux/UNIX",
	}
	x.Placement.AvailabilityZone = in.Region + string(rune('a'+int(suffix[1])%3))
	x.InstanceState.Code, x.InstanceState.Name = ec2StateRunning, "running"
	if d.Stopped {
		x.InstanceState.Code, x.InstanceState.Name = ec2StateStopped, "stopped"
		x.Reason = "User initiated (" + in.LastBootTime.UTC().Format("2006-01-02 15:04:05 MST") + ")"
		x.StateReason = &ec2StateReason{Code: "Client.UserInitiatedShutdown", Message: "Client.UserInitiatedShutdown: User initiated shutdown"}
	}
	if in.OS.IsWindows() {
		x.Platform, x.PlatformDetails = "windows", "Windows"
	}
	if !d.NoInstanceProfile {
		x.IamInstanceProfile = &ec2IamInstanceProfile{
			Arn: "arn:aws:iam::" + in.Account + ":instance-profile/" + InstanceProfileName,
			ID:  "AIPA" + strings.ToUpper(strings.TrimPrefix(in.ID, "i-0")) + "X",
		}
	}
	keys := make([]string, 0, len(in.Tags))
	for k := range in.Tags {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		x.Tags = append(x.Tags, ec2Tag{Key: k, Value: in.Tags[k]})
	}
	return x
}

// instanceQueryFilters reads the filters instance-id, instance-state-name
// and tag:<key> into one predicate: every filter must match, by any of
// its values.
func instanceQueryFilters(form url.Values) (func(fleet.Instance, cloudsim.Drift) bool, *apiError) {
	filters, e := ec2Filters(form, func(name string) bool {
		return name == "instance-id" || name == "instance-state-name" || strings.HasPrefix(name, "tag:")
	})
	if e != nil {
		return nil, e
	}
	return func(in fleet.Instance, d cloudsim.Drift) bool {
		state := "running"
		if d.Stopped {
			state = "stopped"
		}
		for _, f := range filters {
			var v string
			switch {
			case f.name == "instance-id":
				v = in.ID
			case f.name == "instance-state-name":
				v = state
			default:
				v = in.Tags[strings.TrimPrefix(f.name, "tag:")]
			}
			if !slices.Contains(f.values, v) {
				return false
			}
		}
		return true
	}, nil
}

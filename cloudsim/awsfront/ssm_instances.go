package awsfront

import (
	"net/http"
	"strings"
	"time"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// filter is a Filters entry ({"Key", "Values"}) of SSM's Describe calls.
type filter struct {
	Key    string   `json:"Key"`
	Values []string `json:"Values"`
}

// legacyFilter is an InstanceInformationFilterList entry.
type legacyFilter struct {
	Key      string   `json:"key"`
	ValueSet []string `json:"valueSet"`
}

type describeInstanceInformationInput struct {
	InstanceInformationFilterList []legacyFilter `json:"InstanceInformationFilterList"`
	Filters                       []filter       `json:"Filters"`
	MaxResults                    int            `json:"MaxResults"`
	NextToken                     string         `json:"NextToken"`
}

// instanceInformation is the InstanceInformation shape
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_InstanceInformation.html).
type instanceInformation struct {
	InstanceID       string `json:"InstanceId"`
	PingStatus       string `json:"PingStatus"`
	LastPingDateTime epoch  `json:"LastPingDateTime"`
	AgentVersion     string `json:"AgentVersion"`
	IsLatestVersion  bool   `json:"IsLatestVersion"`
	PlatformType     string `json:"PlatformType"`
	PlatformName     string `json:"PlatformName"`
	PlatformVersion  string `json:"PlatformVersion"`
	ResourceType     string `json:"ResourceType"`
	ComputerName     string `json:"ComputerName"`
	IPAddress        string `json:"IPAddress"`
	Name             string `json:"Name,omitempty"`
	ActivationID     string `json:"ActivationId,omitempty"`
	RegistrationDate *epoch `json:"RegistrationDate,omitempty"`
	IamRole          string `json:"IamRole,omitempty"`
	SourceID         string `json:"SourceId"`
	SourceType       string `json:"SourceType"`
}

// describeInstanceInformation lists the caller's managed nodes, filtered
// by the documented keys InstanceIds, PingStatus, PlatformTypes,
// ResourceType and tag:<key>
// (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstanceInformation.html).
func (s *Server) describeInstanceInformation(c *ssmCall) (any, *apiError) {
	var in describeInstanceInformationInput
	if e := c.decode(&in); e != nil {
		return nil, e
	}
	if in.MaxResults != 0 && (in.MaxResults < 5 || in.MaxResults > 50) {
		return nil, validation("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value between 5 and 50", in.MaxResults)
	}
	filters := in.Filters
	for _, f := range in.InstanceInformationFilterList {
		key := map[string]string{"InstanceIds": "InstanceIds", "PingStatus": "PingStatus", "PlatformTypes": "PlatformTypes", "ResourceType": "ResourceType"}[f.Key]
		if key == "" {
			return nil, errorf("InvalidInstanceInformationFilterValue", http.StatusBadRequest, "filter key %s is not supported by the emulator", f.Key)
		}
		filters = append(filters, filter{Key: key, Values: f.ValueSet})
	}
	sel := fleet.Selector{Clouds: []fleet.Cloud{fleet.CloudAWS}, Accounts: []string{c.account}, Regions: []string{c.region}, Tags: map[string]string{}}
	var ids map[string]bool
	for _, f := range filters {
		switch {
		case strings.HasPrefix(f.Key, "tag:"):
			if len(f.Values) != 1 {
				return nil, errorf("InvalidFilterValue", http.StatusBadRequest, "the emulator takes one value for %s", f.Key)
			}
			sel.Tags[strings.TrimPrefix(f.Key, "tag:")] = f.Values[0]
		case f.Key == "InstanceIds":
			ids = map[string]bool{}
			for _, id := range f.Values {
				ids[id] = true
			}
			c.instances = len(f.Values)
		case f.Key == "PingStatus", f.Key == "PlatformTypes", f.Key == "ResourceType":
		default:
			return nil, errorf("InvalidFilterKey", http.StatusBadRequest, "The specified filter key is not valid: %s", f.Key)
		}
	}
	insts, err := s.fleet.Discover(s.ctx, sel)
	if err != nil {
		return nil, fleetError(err)
	}
	var list []instanceInformation
	for _, i := range insts {
		if ids != nil && !ids[i.ID] {
			continue
		}
		info := s.information(i)
		if !matchesAll(filters, "PingStatus", info.PingStatus) || !matchesAll(filters, "PlatformTypes", info.PlatformType) ||
			!matchesAll(filters, "ResourceType", info.ResourceType) {
			continue
		}
		list = append(list, info)
	}
	from, to, next, e := s.page(len(list), in.NextToken, in.MaxResults)
	if e != nil {
		return nil, e
	}
	return map[string]any{"InstanceInformationList": emptyIfNil(list[from:to]), "NextToken": omitEmpty(next)}, nil
}

// matchesAll reports whether v is among the values of every filter of key.
func matchesAll(filters []filter, key, v string) bool {
	for _, f := range filters {
		if f.Key != key {
			continue
		}
		found := false
		for _, x := range f.Values {
			found = found || x == v
		}
		if !found {
			return false
		}
	}
	return true
}

// information shows an instance as SSM shows a managed node.
func (s *Server) information(i fleet.Instance) instanceInformation {
	now := s.fleet.Now()
	info := instanceInformation{
		InstanceID: i.ID, PingStatus: string(i.Ping), LastPingDateTime: epoch(now.Truncate(time.Second)),
		AgentVersion: cloudsim.DefaultSSMAgentVersion, IsLatestVersion: true, PlatformType: i.Platform, ComputerName: i.Name,
		IPAddress:    "10.0." + itoa(int(i.ID[len(i.ID)-2])) + "." + itoa(int(i.ID[len(i.ID)-1])),
		ResourceType: "EC2Instance", SourceID: i.ID, SourceType: "AWS::EC2::Instance",
	}
	info.PlatformName, info.PlatformVersion = platform(i)
	if d, ok := s.fleet.Drift(i.ID); ok {
		// The drift model's agent (cloudsim/drift.go); IsLatestVersion is
		// false for any other than the current one.
		info.AgentVersion, info.IsLatestVersion = d.AgentVersion, d.AgentVersion == cloudsim.DefaultSSMAgentVersion
	}
	if i.Ping != fleet.PingOnline {
		info.LastPingDateTime = epoch(now.Add(-10 * time.Minute).Truncate(time.Second))
	}
	if strings.HasPrefix(i.ID, "mi-") {
		reg := epoch(i.LastBootTime)
		info.ResourceType, info.SourceType, info.Name = "ManagedInstance", "AWS::SSM::ManagedInstance", i.Name
		info.ActivationID, info.RegistrationDate, info.IamRole = "0b7a5c1e-5e0a-4a5e-9d37-"+i.ID[len(i.ID)-12:], &reg, "service-role/AmazonEC2RunCommandRoleForManagedInstances"
	}
	return info
}

// platform returns SSM's PlatformName and PlatformVersion of an instance.
func platform(i fleet.Instance) (name, version string) {
	switch i.OS {
	case fleet.OSUbuntu:
		return "Ubuntu", i.OSVersion
	case fleet.OSAmazonLinux2, fleet.OSAmazonLinux2023:
		return "Amazon Linux", i.OSVersion
	case fleet.OSWindows:
		builds := map[string]string{"2016": "10.0.14393", "2019": "10.0.17763", "2022": "10.0.20348"}
		return "Microsoft Windows Server " + i.OSVersion + " Datacenter", builds[i.OSVersion]
	}
	return string(i.OS), i.OSVersion
}

func itoa(n int) string {
	const d = "0123456789"
	if n < 10 {
		return d[n : n+1]
	}
	return itoa(n/10) + d[n%10:n%10+1]
}

// emptyIfNil makes a nil list encode as [].
func emptyIfNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// omitEmpty makes an empty NextToken encode as null.
func omitEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

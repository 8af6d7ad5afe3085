package fleet

import "time"

// Cloud names where an instance lives.
type Cloud string

// Clouds that fleetpatch drives.
const (
	CloudAWS   Cloud = "aws"
	CloudAzure Cloud = "azure"
)

// OSFamily is the operating system family, spelled as the AWS PatchBaseline
// schema spells OperatingSystem, so a baseline's OS and an instance's OS
// compare directly.
type OSFamily string

// The operating system families fleetpatch supports.
const (
	OSUbuntu          OSFamily = "UBUNTU"
	OSAmazonLinux2    OSFamily = "AMAZON_LINUX_2"
	OSAmazonLinux2023 OSFamily = "AMAZON_LINUX_2023"
	OSWindows         OSFamily = "WINDOWS"
)

// OSFamilies lists every supported family in a fixed order.
var OSFamilies = []OSFamily{OSUbuntu, OSAmazonLinux2, OSAmazonLinux2023, OSWindows}

// Valid reports whether f is a supported OS family.
func (f OSFamily) Valid() bool {
	for _, k := range OSFamilies {
		if f == k {
			return true
		}
	}
	return false
}

// IsWindows reports whether patches of this family are identified by KB.
func (f OSFamily) IsWindows() bool { return f == OSWindows }

// PingStatus is the management agent's reachability, as SSM reports it
// (Online, ConnectionLost, Inactive); Azure's VM agent status maps onto it.
type PingStatus string

// Agent reachability states.
const (
	PingOnline         PingStatus = "Online"
	PingConnectionLost PingStatus = "ConnectionLost"
	PingInactive       PingStatus = "Inactive"
)

// Instance is one managed server.
type Instance struct {
	// ID is stable for the life of the server: an EC2 ID (i-0abc...), an
	// SSM hybrid node ID (mi-...) or an Azure resource ID.
	ID    string `json:"id"`
	Cloud Cloud  `json:"cloud"`
	// Account is the AWS account ID or the Azure subscription ID.
	Account       string            `json:"account"`
	Region        string            `json:"region"`
	ResourceGroup string            `json:"resourceGroup,omitempty"`
	Name          string            `json:"name"`
	OS            OSFamily          `json:"os"`
	OSVersion     string            `json:"osVersion"`
	Platform      string            `json:"platform"` // Linux or Windows
	Tags          map[string]string `json:"tags,omitempty"`
	Ping          PingStatus        `json:"ping"`
	LastBootTime  time.Time         `json:"lastBootTime"`
	// Unreachable explains why the instance cannot be driven now (agent
	// offline, VM deallocated, role not assumable); empty when it can.
	Unreachable string `json:"unreachable,omitempty"`
}

// Reachable reports whether the provider can run commands on the instance.
func (i Instance) Reachable() bool { return i.Unreachable == "" && i.Ping == PingOnline }

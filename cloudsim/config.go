package cloudsim

import "time"

// Config describes a simulated fleet. The zero value of every field has a
// sane default; the same Config (Seed, Instances, Now and the mixes) always
// generates the same fleet.
type Config struct {
	// Seed makes the fleet (and fault decisions) reproducible.
	Seed int64 `json:"seed"`
	// Instances is the number of servers; 0 means 1,200.
	Instances int `json:"instances"`
	// Now anchors the generated fleet: patch release dates and boot times
	// are relative to it. Zero means Clock.Now() when a Clock is given,
	// else the start of the current UTC day (so a day's runs agree).
	Now time.Time `json:"now"`
	// Clock drives simulated time; nil means a RealClock at Speed, starting
	// at Now when Now is set and at the wall-clock time otherwise.
	Clock Clock `json:"-"`
	// Speed is the RealClock's speed-up factor; 0 means 1. Above 1,
	// simulated operations take less wall time, but the fleet's clock runs
	// ahead of the wall clock (and of Temporal's), so keep 1 when install
	// deadlines come from real maintenance windows.
	Speed float64 `json:"speed,omitempty"`
	// Timing holds the simulated durations; nil means DefaultTiming().
	Timing *Timing `json:"timing,omitempty"`
	// Faults are the faults injected from the start.
	Faults Faults `json:"faults"`

	// AWSAccounts, AWSRegions: where EC2 instances and hybrid nodes live.
	AWSAccounts []string `json:"awsAccounts,omitempty"`
	AWSRegions  []string `json:"awsRegions,omitempty"`
	// AzureSubscriptions, AzureResourceGroups, AzureRegions: where Azure
	// VMs live. With two or more resource groups, nonprod VMs go to the
	// last one and the others to the rest. The defaults match the example
	// policy's targets (deployments/examples/policy/targets.yaml).
	AzureSubscriptions  []string `json:"azureSubscriptions,omitempty"`
	AzureResourceGroups []string `json:"azureResourceGroups,omitempty"`
	AzureRegions        []string `json:"azureRegions,omitempty"`
	// AzureShare is the share of servers in Azure; 0 means 0.25, a
	// negative value means none.
	AzureShare float64 `json:"azureShare,omitempty"`
	// HybridShare is the share of AWS servers that are SSM hybrid nodes
	// (mi-...); 0 means 0.03, a negative value means none.
	HybridShare float64 `json:"hybridShare,omitempty"`
	// CompliantShare is the share of servers that miss no update; 0 means
	// 0.08, a negative value means none.
	CompliantShare float64 `json:"compliantShare,omitempty"`
	// LivePatchShare is the share of Linux servers with kernel live
	// patching on (Canonical Livepatch, Amazon Linux kernel live
	// patching); 0 means 0.3, a negative value means none (live_patch.go).
	LivePatchShare float64 `json:"livePatchShare,omitempty"`
	// Groups weighs the PatchGroup tag values; nil means DefaultGroups().
	Groups []Share `json:"groups,omitempty"`
	// OSMix weighs the OS releases by product name (see Products); nil
	// means DefaultOSMix().
	OSMix []Share `json:"osMix,omitempty"`
}

// Share is one weighted choice: a PatchGroup value or an OS product.
// Weights need not sum to 1.
type Share struct {
	Key    string  `json:"key"`
	Weight float64 `json:"weight"`
}

// Timing holds the simulated durations of operations. All may be zero.
type Timing struct {
	// Scan is how long a scan of one batch takes (instances scan in
	// parallel).
	Scan time.Duration `json:"scan"`
	// InstallPerPackage is how long one package (or KB) takes to install;
	// the instances of a batch install in parallel.
	InstallPerPackage time.Duration `json:"installPerPackage"`
	// Reboot is how long a reboot takes until the agent is back.
	Reboot time.Duration `json:"reboot"`
	// RebootMaxWait is how long WaitReady waits for an instance whose
	// reboot never returns before it reports Ready=false.
	RebootMaxWait time.Duration `json:"rebootMaxWait"`
	// Snapshot is how long a disk snapshot stays pending before it is
	// completed (snapshots.go).
	Snapshot time.Duration `json:"snapshot,omitempty"`
}

// Patch group names of the default mix.
const (
	GroupProdSensitive = "prod-sensitive"
	GroupProdAuto      = "prod-auto"
	GroupJumpLog       = "jump-log"
	GroupNonprod       = "nonprod"
)

// Tag keys the generator sets on every instance.
const (
	TagPatchGroup  = "PatchGroup"
	TagName        = "Name"
	TagEnvironment = "Environment"
)

// Default estate.
var (
	DefaultAWSAccounts         = []string{"111111111111", "222222222222", "333333333333"}
	DefaultAWSRegions          = []string{"eu-west-1", "us-east-1"}
	DefaultAzureSubscriptions  = []string{"5f0c2a7e-1b3d-4c8e-9a61-2d4e6f8a0b1c", "9d8c7b6a-5e4f-4a3b-8c2d-1e0f9a8b7c6d"}
	DefaultAzureResourceGroups = []string{"rg-prod-vms", "rg-nonprod-vms"}
	DefaultAzureRegions        = []string{"westeurope", "northeurope"}
)

// DefaultInstances is the fleet size when Config.Instances is 0.
const DefaultInstances = 1200

// DefaultSpeed is the RealClock's speed-up when Config.Speed is 0: the
// fleet's clock is the wall clock.
const DefaultSpeed = 1

// DefaultTiming returns durations that make a demo cycle take seconds in
// real time: a 3 s scan, 0.5 s per package, an 8 s reboot, 2 min before a
// reboot that never returns is given up, and 2 s per disk snapshot.
func DefaultTiming() Timing {
	return Timing{
		Scan:              3 * time.Second,
		InstallPerPackage: 500 * time.Millisecond,
		Reboot:            8 * time.Second,
		RebootMaxWait:     2 * time.Minute,
		Snapshot:          2 * time.Second,
	}
}

// DefaultGroups returns the default PatchGroup mix: 20% prod-sensitive,
// 50% prod-auto, 5% jump-log, 25% nonprod.
func DefaultGroups() []Share {
	return []Share{
		{GroupProdSensitive, 20}, {GroupProdAuto, 50}, {GroupJumpLog, 5}, {GroupNonprod, 25},
	}
}

// DefaultOSMix returns the default OS mix: mostly Ubuntu and Amazon Linux,
// 5% Windows Server.
func DefaultOSMix() []Share {
	return []Share{
		{ProductUbuntu2004, 14}, {ProductUbuntu2204, 28}, {ProductUbuntu2404, 16},
		{ProductAmazonLinux2, 15}, {ProductAmazonLinux2023, 22},
		{ProductWindows2016, 2}, {ProductWindows2022, 3},
	}
}

// withDefaults fills every zero field.
func (c Config) withDefaults() Config {
	if c.Instances <= 0 {
		c.Instances = DefaultInstances
	}
	if c.Now.IsZero() {
		if c.Clock != nil {
			c.Now = c.Clock.Now()
		} else {
			c.Now = time.Now().UTC().Truncate(24 * time.Hour)
		}
	}
	if c.Speed <= 0 {
		c.Speed = DefaultSpeed
	}
	if c.Timing == nil {
		t := DefaultTiming()
		c.Timing = &t
	}
	c.AWSAccounts = orDefault(c.AWSAccounts, DefaultAWSAccounts)
	c.AWSRegions = orDefault(c.AWSRegions, DefaultAWSRegions)
	c.AzureSubscriptions = orDefault(c.AzureSubscriptions, DefaultAzureSubscriptions)
	c.AzureResourceGroups = orDefault(c.AzureResourceGroups, DefaultAzureResourceGroups)
	c.AzureRegions = orDefault(c.AzureRegions, DefaultAzureRegions)
	c.AzureShare = shareOrDefault(c.AzureShare, 0.25)
	c.HybridShare = shareOrDefault(c.HybridShare, 0.03)
	c.CompliantShare = shareOrDefault(c.CompliantShare, 0.08)
	c.LivePatchShare = shareOrDefault(c.LivePatchShare, 0.3)
	if len(c.Groups) == 0 {
		c.Groups = DefaultGroups()
	}
	if len(c.OSMix) == 0 {
		c.OSMix = DefaultOSMix()
	}
	return c
}

func orDefault(v, def []string) []string {
	if len(v) == 0 {
		return def
	}
	return v
}

// shareOrDefault maps 0 to def and a negative share to none.
func shareOrDefault(v, def float64) float64 {
	switch {
	case v == 0:
		return def
	case v < 0:
		return 0
	}
	return v
}

package fleet

import "time"

// PatchState is the compliance state of one patch on one instance, named as
// AWS Systems Manager names them (DescribeInstancePatches State).
type PatchState string

// Patch compliance states.
const (
	StateInstalled              PatchState = "Installed"
	StateInstalledOther         PatchState = "InstalledOther"
	StateInstalledPendingReboot PatchState = "InstalledPendingReboot"
	StateInstalledRejected      PatchState = "InstalledRejected"
	StateMissing                PatchState = "Missing"
	StateFailed                 PatchState = "Failed"
	StateNotApplicable          PatchState = "NotApplicable"
)

// PatchStatus is one patch as seen on one instance by a scan.
type PatchStatus struct {
	PatchID string     `json:"patchId"`
	State   PatchState `json:"state"`
	// InstalledVersion is the version on the instance now (Linux); empty
	// when the package is not installed.
	InstalledVersion string `json:"installedVersion,omitempty"`
}

// InstanceScan is the scan of one instance: every applicable update that is
// not yet installed, or installed and waiting for a reboot.
type InstanceScan struct {
	InstanceID    string        `json:"instanceId"`
	ScannedAt     time.Time     `json:"scannedAt"`
	Patches       []PatchStatus `json:"patches,omitempty"`
	PendingReboot bool          `json:"pendingReboot,omitempty"`
	// ReleaseVersion is the Amazon Linux 2023 release version the instance
	// is on (e.g. "2023.6.20241010", as /etc/amazon-linux/release-version
	// says), and LatestReleaseVersion the newest one available to it (as
	// `dnf check-release-update` reports); both empty for other OSes.
	ReleaseVersion       string `json:"releaseVersion,omitempty"`
	LatestReleaseVersion string `json:"latestReleaseVersion,omitempty"`
	// Error is set when the scan failed on this instance (agent offline,
	// scan command failed); Patches is then empty.
	Error string `json:"error,omitempty"`
}

// ScanResult is the scan of one batch. Patch definitions are listed once
// per batch (Catalog), and each instance refers to them by ID, so a batch of
// 50 instances sharing 30 updates stays small.
type ScanResult struct {
	Catalog   []Patch        `json:"catalog"`
	Instances []InstanceScan `json:"instances"`
}

// PackageChange is the outcome for one patch on one instance of an install.
type PackageChange struct {
	PatchID     string     `json:"patchId"`
	Name        string     `json:"name"`
	FromVersion string     `json:"fromVersion,omitempty"`
	ToVersion   string     `json:"toVersion,omitempty"`
	State       PatchState `json:"state"`
	Error       string     `json:"error,omitempty"`
}

// InstanceInstall is the install outcome of one instance.
type InstanceInstall struct {
	InstanceID string          `json:"instanceId"`
	Changes    []PackageChange `json:"changes,omitempty"`
	// RebootRequired is true when an installed update needs a reboot to
	// take effect; Rebooted when the provider started one.
	RebootRequired bool `json:"rebootRequired,omitempty"`
	Rebooted       bool `json:"rebooted,omitempty"`
	// RebootDeferred is set, with RebootRequired, when the reboot was
	// skipped because live patches cover the kernel update
	// (InstallRequest.DeferLivePatchedReboots); LivePatchedCVEs are the
	// CVEs the live patches fix in the running kernel.
	RebootDeferred  bool     `json:"rebootDeferred,omitempty"`
	LivePatchedCVEs []string `json:"livePatchedCves,omitempty"`
	// Error is set when the install did not run or failed as a whole.
	Error string `json:"error,omitempty"`
	// Unreachable is set with Error when nothing ran because the instance
	// could not be reached (agent offline, machine stopped): the instance
	// is reported unreachable, not failed, and does not use up the error
	// budget.
	Unreachable bool `json:"unreachable,omitempty"`
	// NotStarted is set with Error when the provider refused to start the
	// install because the window's cutoff had passed: nothing ran.
	NotStarted bool `json:"notStarted,omitempty"`
	// Unconfirmed is set when the outcome is unknown (an install an earlier
	// attempt may have run could not be confirmed): the verification scan
	// decides.
	Unconfirmed bool `json:"unconfirmed,omitempty"`
}

// Failed reports whether the install failed on the instance, as a whole or
// for any patch.
func (r InstanceInstall) Failed() bool {
	if r.Error != "" {
		return true
	}
	for _, c := range r.Changes {
		if c.State == StateFailed {
			return true
		}
	}
	return false
}

// InstallResult is the install outcome of one batch.
type InstallResult struct {
	Instances []InstanceInstall `json:"instances"`
}

// RebootOutcome tells whether an instance came back after a reboot.
type RebootOutcome struct {
	InstanceID   string    `json:"instanceId"`
	Ready        bool      `json:"ready"`
	LastBootTime time.Time `json:"lastBootTime"`
	Error        string    `json:"error,omitempty"`
}

// InstalledPackage is one installed package (or KB) and its version, as an
// inventory reads it.
type InstalledPackage struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// Inventory is what is installed on one instance.
type Inventory struct {
	InstanceID string             `json:"instanceId"`
	Packages   []InstalledPackage `json:"packages"`
	Error      string             `json:"error,omitempty"`
}

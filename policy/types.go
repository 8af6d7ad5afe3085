package policy

import (
	"time"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// Policy is everything loaded from a policy file or folder, by name.
type Policy struct {
	Baselines map[string]*Baseline `json:"baselines"`
	Groups    map[string]*Group    `json:"groups"`
	Windows   map[string]*Window   `json:"windows"`
	// Freezes are the change-freeze calendars groups may honour.
	Freezes map[string]*Freeze `json:"freezes,omitempty"`
	Targets Targets            `json:"targets"`

	// files are the files the policy was read from, in load order.
	files []string
	// pos maps each decoded field path to where it was read.
	pos map[string]Pos
}

// Mode says what a group's cycle does with the patches it finds.
type Mode string

// Group modes.
const (
	// ModeAuto installs the baseline-approved patches in the install window.
	ModeAuto Mode = "auto"
	// ModeApproval waits for a person to approve the cycle's manifest.
	ModeApproval Mode = "approval"
	// ModeScanOnly scans, evaluates and reports; it never installs.
	ModeScanOnly Mode = "scan-only"
)

// InstallStart says when an approved install starts.
type InstallStart string

// Install start options for approval groups.
const (
	// StartImmediately installs as soon as the approval arrives.
	StartImmediately InstallStart = "immediately"
	// StartAtWindow waits for the next opening of the group's install window.
	StartAtWindow InstallStart = "window"
)

// Group is a patch group: which instances, under which baselines, patched
// how and when.
type Group struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Selector picks the group's instances (usually tag PatchGroup=<name>).
	Selector fleet.Selector `json:"selector"`
	// Baselines names the baseline for each OS family the group targets.
	Baselines map[fleet.OSFamily]string `json:"baselines"`
	Mode      Mode                      `json:"mode"`
	Reboot    fleet.RebootOption        `json:"reboot"`
	// LivePatch says what a RebootIfNeeded install does when live patches
	// already protect the running kernel: LivePatchReboot (the default,
	// empty) reboots anyway, LivePatchDeferReboot skips the reboot (see
	// live_patch.go).
	LivePatch LivePatchOption `json:"livePatch,omitempty"`
	Rollout   Rollout         `json:"rollout"`
	Approval  *Approval       `json:"approval,omitempty"`
	// OnDemand lets a cycle install outside the group's install window:
	// an auto cycle started with installNow, or an approval signed with
	// "start: now". Off by default: a namespace writer cannot then move a
	// group's installs out of its window.
	OnDemand bool         `json:"onDemand,omitempty"`
	Windows  GroupWindows `json:"windows"`
	// Freezes names the change-freeze calendars the group honours: no
	// install starts in their periods, and a window that runs into one
	// ends at its start.
	Freezes []string `json:"freezes,omitempty"`
	// MinPatchAge holds back, for this cycle, a patch the baseline
	// approves until it is this old (e.g. "3d"; 0 to 90 days), on every
	// OS, Ubuntu included (see ApplyMinPatchAge).
	MinPatchAge Duration `json:"minPatchAge,omitempty"`
	// AL2023ReleaseVersion is the Amazon Linux 2023 release version the
	// group's AL2023 instances move to before their install: "latest" or
	// a version such as "2023.6.20241010"; empty leaves them on their
	// release (see al2023_release.go).
	AL2023ReleaseVersion string `json:"al2023ReleaseVersion,omitempty"`
	// Hooks run on each batch's instances around its install.
	Hooks *Hooks `json:"hooks,omitempty"`
	// Snapshot snapshots each instance's disks before its batch installs.
	Snapshot *SnapshotPolicy     `json:"snapshot,omitempty"`
	Reports  []ReportDestination `json:"reports,omitempty"`
	// Notifications are where the group's cycle events are sent (Slack,
	// Teams, signed webhooks, e-mail); see docs/notifications.md.
	Notifications []Notification `json:"notifications,omitempty"`
	// ChangeTicket opens a change request per cycle (ServiceNow); see
	// docs/change-tickets.md.
	ChangeTicket *ChangeTicket `json:"changeTicket,omitempty"`
}

// Hooks are the steps a group runs on each batch's instances: PreInstall
// before the install; PostReboot on the instances the install rebooted,
// once they are back; PostInstall last, on every instance the batch
// touched (whatever its install did, and after its reboot), so an undrain
// there always follows a drain in PreInstall. Each stage's hooks run in
// order.
type Hooks struct {
	PreInstall  []Hook `json:"preInstall,omitempty"`
	PostInstall []Hook `json:"postInstall,omitempty"`
	PostReboot  []Hook `json:"postReboot,omitempty"`
}

// Hook is one step: an SSM document with parameters (AWS instances), or
// a Linux shell / Windows PowerShell script (run with AWS-RunShellScript
// or AWS-RunPowerShellScript on AWS, Run Command on Azure VMs and Arc
// machines). OnFailure says what a failure on an instance does.
type Hook struct {
	Name string `json:"name"`
	// Document is an SSM document name (AWS only); Parameters its inputs.
	Document   string              `json:"document,omitempty"`
	Parameters map[string][]string `json:"parameters,omitempty"`
	Linux      string              `json:"linux,omitempty"`
	Windows    string              `json:"windows,omitempty"`
	// Timeout bounds the hook on each instance (default 10m, at most 2h).
	Timeout   Duration      `json:"timeout,omitempty"`
	OnFailure HookOnFailure `json:"onFailure,omitempty"`
}

// HookOnFailure says what a hook's failure on an instance does.
type HookOnFailure string

// What a failed hook does.
const (
	// HookSkipInstance (the default): the instance is not installed (a
	// pre-install hook) or is counted failed (a post hook); the rest of
	// the batch goes on.
	HookSkipInstance HookOnFailure = "skip-instance"
	// HookHalt: the batch installs nothing more and the rollout halts.
	HookHalt HookOnFailure = "halt"
	// HookContinue: the failure is reported and nothing else changes.
	HookContinue HookOnFailure = "continue"
)

// SnapshotPolicy snapshots the disks of each instance before its batch
// installs (EBS snapshots, Azure managed-disk snapshots); an instance
// whose snapshot fails is not installed. Retain is how long the retention
// clean-up keeps them.
type SnapshotPolicy struct {
	// Before is when: "install" (the only choice).
	Before string   `json:"before"`
	Retain Duration `json:"retain"`
}

// GroupWindows names the maintenance windows a group uses. The cycle starts
// when the scan window opens; installs run only inside the install window.
type GroupWindows struct {
	Scan    string `json:"scan"`
	Install string `json:"install,omitempty"`
}

// Rollout bounds how fast a group is patched.
type Rollout struct {
	// Canary is the size of the first wave (count or percentage).
	Canary Amount `json:"canary"`
	// MaxConcurrency is the size of every later wave.
	MaxConcurrency Amount `json:"maxConcurrency"`
	// MaxErrors stops the rollout once more instances than this have failed.
	// The instances in flight never exceed the failures it takes to stop
	// (maxErrors + 1 - failed so far, at least one batch), and batches hold at
	// most maxErrors + 1 instances, so a halted rollout overshoots by less
	// than one batch, and by none when maxErrors is 0 or 1.
	MaxErrors Amount `json:"maxErrors"`
	// Bake is how long to wait after each wave (except the last) before the
	// health gates run and the next wave starts.
	Bake Duration `json:"bake,omitempty"`
	// HealthGates must pass after each wave (after its bake); a failing gate
	// halts the rollout with the gate's reason.
	HealthGates []HealthGate `json:"healthGates,omitempty"`
}

// HealthGate is one check after a wave. Type says which:
//
//   - agent: every instance of the wave is back with its agent ready;
//   - http: URL answers with ExpectStatus (default: any 2xx) within Timeout;
//   - tcp: Address (host:port) accepts a connection within Timeout;
//   - command: Linux (shell) / Windows (PowerShell) exits 0 on every
//     instance of the wave, run through SSM Run Command or Azure Run Command;
//   - alarm: the cloud alarm is not firing: a CloudWatch alarm (Cloud aws,
//     Account, Region, Name) or an Azure Monitor alert rule (Cloud azure,
//     Name = the rule's resource ID), as AWS maintenance windows' alarm
//     configurations do.
type HealthGate struct {
	Type         string   `json:"type"`
	URL          string   `json:"url,omitempty"`
	ExpectStatus int      `json:"expectStatus,omitempty"`
	Address      string   `json:"address,omitempty"`
	Linux        string   `json:"linux,omitempty"`
	Windows      string   `json:"windows,omitempty"`
	Cloud        string   `json:"cloud,omitempty"`
	Account      string   `json:"account,omitempty"`
	Region       string   `json:"region,omitempty"`
	Name         string   `json:"name,omitempty"`
	Timeout      Duration `json:"timeout,omitempty"`
}

// Health gate types.
const (
	GateAgent   = "agent"
	GateHTTP    = "http"
	GateTCP     = "tcp"
	GateCommand = "command"
	GateAlarm   = "alarm"
)

// Amount is a count ("10") or a percentage ("10%") of a group's instances.
type Amount struct {
	Count   int     `json:"count,omitempty"`
	Percent float64 `json:"percent,omitempty"`
	// IsPercent tells which of Count and Percent applies.
	IsPercent bool `json:"isPercent,omitempty"`
}

// Of resolves the amount against n instances. A percentage rounds up, so a
// non-zero percentage of a non-empty group is at least 1.
func (a Amount) Of(n int) int {
	if !a.IsPercent {
		return a.Count
	}
	v := a.Percent * float64(n) / 100
	c := int(v)
	if float64(c) < v {
		c++
	}
	return c
}

// Approval configures the approval gate of an approval group. Every
// approval and rejection is a statement signed with an approver's SSH key
// (see package approval); the keys are OpenSSH allowed_signers lines.
type Approval struct {
	// Approvers are the principals (e-mail addresses) allowed to approve.
	Approvers []string `json:"approvers"`
	// Required is how many distinct approvers must approve (default 1; 2
	// for a two-person rule).
	Required int `json:"required,omitempty"`
	// Keys are the approvers' public keys as OpenSSH allowed_signers lines
	// ("ops-lead@example.com ssh-ed25519 AAAA…"). Loading a policy appends
	// the lines of the AllowedSigners file that name an approver, so a
	// snapshot records every key that could approve.
	Keys []string `json:"keys,omitempty"`
	// AllowedSigners names an OpenSSH allowed_signers file, relative to the
	// policy file that names it.
	AllowedSigners string `json:"allowedSigners,omitempty"`
	// Timeout is how long the cycle waits for a decision before it expires.
	Timeout Duration `json:"timeout"`
	// InstallStart says whether an approved install starts at once or at
	// the next opening of the install window.
	InstallStart InstallStart `json:"installStart"`
}

// ReportDestination is where a group's reports go.
type ReportDestination struct {
	// Type is "file", "s3" or "azblob".
	Type string `json:"type"`
	// Path is the directory for "file".
	Path string `json:"path,omitempty"`
	// Bucket and Prefix are for "s3"; Region optional.
	Bucket string `json:"bucket,omitempty"`
	Prefix string `json:"prefix,omitempty"`
	Region string `json:"region,omitempty"`
	// AccountURL and Container are for "azblob".
	AccountURL string `json:"accountUrl,omitempty"`
	Container  string `json:"container,omitempty"`
}

// Window is a maintenance window: when it opens, how long it stays open,
// and how long before its end new installs stop.
type Window struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Cron is a five-field cron expression (minute hour day month weekday).
	Cron string `json:"cron,omitempty"`
	// Calendar is the alternative to Cron: named days and a time of day.
	Calendar *Calendar `json:"calendar,omitempty"`
	// TimeZone is an IANA zone name; empty means UTC.
	TimeZone string   `json:"timeZone,omitempty"`
	Duration Duration `json:"duration"`
	// Cutoff: no new install starts within Cutoff of the window's end.
	Cutoff Duration `json:"cutoff,omitempty"`
	// Jitter delays each scheduled start by up to this much.
	Jitter Duration `json:"jitter,omitempty"`
}

// Calendar is a calendar-style window spec: every listed day at At.
type Calendar struct {
	// Days are weekday names (MON..SUN); empty means every day.
	Days []string `json:"days,omitempty"`
	// At is the time of day, "HH:MM".
	At string `json:"at"`
}

// Duration is a time.Duration written as "4h", "90m" or "7d" in policy files.
type Duration time.Duration

// Targets are the cloud estates fleetpatch reaches. No secrets: credentials
// come from the standard chains (AWS default chain + AssumeRole, azidentity).
type Targets struct {
	AWS   []AWSAccount        `json:"aws,omitempty"`
	Azure []AzureSubscription `json:"azure,omitempty"`
}

// AWSAccount is one AWS account and the role fleetpatch assumes in it.
type AWSAccount struct {
	ID         string   `json:"id"`
	RoleARN    string   `json:"roleArn,omitempty"`
	ExternalID string   `json:"externalId,omitempty"`
	Regions    []string `json:"regions"`
	// Rates pace the account's API calls in each of its regions; omitted
	// rates are the worker's (--aws-rate). See docs/aws.md.
	Rates AWSRates `json:"rates,omitzero"`
}

// AzureSubscription is one Azure subscription, optionally narrowed to
// resource groups.
type AzureSubscription struct {
	ID             string   `json:"id"`
	ResourceGroups []string `json:"resourceGroups,omitempty"`
	// Rates pace the subscription's ARM reads and writes; omitted rates
	// are the provider's, ARM's own limits by default. See docs/azure.md.
	Rates AzureRates `json:"rates,omitzero"`
}

// RateLimit is a token bucket: PerSecond tokens are added each second up
// to Burst, and every request (each retry too) takes one. A zero field
// means the provider's default for that field.
type RateLimit struct {
	PerSecond float64 `json:"perSecond,omitempty"`
	Burst     int     `json:"burst,omitempty"`
}

// AWSRates are an AWS account's request buckets, one per service client
// and applied in each region apart, as AWS throttles per account and
// region.
type AWSRates struct {
	SSM RateLimit `json:"ssm,omitzero"`
	EC2 RateLimit `json:"ec2,omitzero"`
}

// AzureRates are an Azure subscription's Resource Manager buckets: reads
// (GET, HEAD) and writes (every other method, deletes included).
type AzureRates struct {
	ARMReads  RateLimit `json:"armReads,omitzero"`
	ARMWrites RateLimit `json:"armWrites,omitzero"`
}

// Package azure is the fleet.Provider for Azure virtual machines and
// Azure Arc-enabled servers, over Azure Update Manager's per-machine APIs
// with azure-sdk-for-go.
//
// Discovery queries Azure Resource Graph (POST
// /providers/Microsoft.ResourceGraph/resources, paged with $skipToken) once
// per target subscription, narrowed to the subscription's resource groups
// and the selector's tags; OS and power state are read from the rows, and
// the VM agent of every running VM from its instanceView. Deallocated or
// stopped VMs and VMs whose agent is not Ready are returned with Unreachable
// set to the reason.
//
// Scan runs VirtualMachines.assessPatches and Install runs
// VirtualMachines.installPatches, one long-running operation per VM, the
// VMs of a batch in parallel with a bound per subscription. Inventory runs
// a read-only script through VirtualMachines.runCommand (dpkg-query on
// Linux, the installed updates on Windows).
//
// # Arc-enabled servers
//
// Arc machines (Microsoft.HybridCompute/machines, api-version 2025-01-13)
// are driven the same way through azcore's ARM pipeline (arm.Client,
// runtime.NewPoller, runtime.NewPollerFromResumeToken), as
// armhybridcompute is not available here: POST .../assessPatches and
// .../installPatches (the install body is the VM's: the same masks, KBs,
// rebootSetting and maximumDuration). Their results carry counts only, so
// the per-patch detail (name, version, KB, classifications, reboot,
// installationState) is read from Update Manager's Resource Graph tables
// patchassessmentresources and patchinstallationresources, matched to the
// operation by its activity ID and polled until complete (Config.GraphWait);
// if Resource Graph does not show it in time, the machine's result says
// so and no patch is claimed installed (see arc_graph.go). Inventory uses
// Machine Run Commands (PUT .../runCommands/{name}, then delete), with the
// same scripts as VMs (see arc_inventory.go).
//
// # Classifications
//
// Azure reports classifications per patch; the provider maps them onto the
// fields the AWS PatchBaseline filters read, so one baseline evaluates both
// clouds (see classify.go):
//
//	Linux (Ubuntu)   Critical, Security -> Repository "<codename>-security"
//	                 Other              -> Repository "<codename>-updates"
//	                 (PRIORITY and SECTION are not reported by Azure: empty,
//	                 so only "*" filters on them match)
//	Linux (RPM)      Critical -> CLASSIFICATION Security, SEVERITY Critical
//	                 Security -> CLASSIFICATION Security
//	                 Other    -> CLASSIFICATION Bugfix
//	Windows          Critical -> CriticalUpdates, Security -> SecurityUpdates,
//	                 UpdateRollUp -> UpdateRollups, FeaturePack -> FeaturePacks,
//	                 ServicePack -> ServicePacks, Definition -> DefinitionUpdates,
//	                 Tools -> Tools, Updates -> Updates
//	                 (MSRC severity is not in the assessPatches result: empty)
//
// # Installs and resumption
//
// An install names exactly the approved patches and nothing else: Linux
// packageNameMasksToInclude entries "name=version" (the form the Linux
// patch extension parses: PackageFilter.get_packages_and_versions_from_masks
// in github.com/Azure/LinuxPatchExtension splits a mask at "="), Windows
// kbNumbersToInclude; no classifications. rebootSetting is IfRequired for
// RebootIfNeeded and Never for NoReboot; maximumDuration is the time left
// until InstallRequest.Deadline, in whole minutes, at most PT4H.
//
// Before it polls an installPatches operation, the provider saves the
// poller's resume token in a ResumeStore under (CycleID, machine), for VMs
// and Arc machines alike. A retried
// Install of the same cycle (a worker restart, an activity retry) finds the
// token and resumes polling the running operation instead of starting a
// second install; the token is deleted once the result has been read
// (for Arc machines, once Resource Graph's per-patch rows have been read).
//
// The install window: a new installPatches starts only before the
// request's LastStart (resumed ones are watched after it), and the wait
// for one ends Config.ReportGrace after the request's Deadline.
//
// 429 responses are retried by azcore's retry policy, which waits for the
// Retry-After header (Retry-After-Ms and x-ms-retry-after-ms first).
// Errors no retry can fix for the call as a whole (401 and 403 such as
// AuthorizationFailed, InvalidParameter, a missing resource group or
// subscription; see permanentCodes) fail the call with an error wrapping
// fleet.ErrPermanent that names the subscription and the denied
// permission; a machine that is missing or whose agent is offline stays
// that machine's error.
package azure

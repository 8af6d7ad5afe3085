// Package azurefront emulates, over HTTPS, the Azure Resource Manager
// endpoints that providers/azure calls, backed by a simulated fleet
// (cloudsim): the LocalStack of this project's Azure side.
//
// Served (api-version is accepted as sent):
//
//	POST /providers/Microsoft.ResourceGraph/resources              the provider's queries, $top/$skipToken paging
//	GET  .../Microsoft.Compute/virtualMachines/{vm}[?$expand=instanceView]  the VM model (storageProfile's managed disks,
//	                                                               osProfile's patchSettings), with its instanceView
//	GET  .../Microsoft.Compute/virtualMachines/{vm}/instanceView   power state and VM agent status
//	POST .../Microsoft.Compute/virtualMachines/{vm}/assessPatches  LRO
//	POST .../Microsoft.Compute/virtualMachines/{vm}/installPatches LRO (masks "name=version", KB numbers)
//	POST .../Microsoft.Compute/virtualMachines/{vm}/runCommand     LRO (the provider's inventory scripts, health checks)
//	GET  /subscriptions/{s}/providers/Microsoft.Compute/locations/{l}/operations/{id}               Azure-AsyncOperation status
//	GET  /subscriptions/{s}/providers/Microsoft.Compute/locations/{l}/operations/{id}?monitor=true  Location: 202 until done, then the result
//	GET  /subscriptions/{s}/providers/Microsoft.HybridCompute/locations/{l}/operations/{id}[?monitor=true]  the same, for Arc
//	GET  .../Microsoft.HybridCompute/machines/{name}               Arc machines (Options.ArcMachines)
//	POST .../Microsoft.HybridCompute/machines/{name}/assessPatches   LRO; counts only
//	POST .../Microsoft.HybridCompute/machines/{name}/installPatches  LRO; counts only
//	PUT|GET|DELETE .../Microsoft.HybridCompute/machines/{name}/runCommands/{command}  inventory scripts, health checks
//	POST /providers/Microsoft.ResourceGraph/resources              also patchassessmentresources and
//	                                                               patchinstallationresources by id prefix
//	PUT|GET|DELETE .../Microsoft.Compute/snapshots/{name}          managed-disk snapshots (Copy of a VM's disk; PUT
//	                                                               and DELETE are LROs)
//	GET  /subscriptions/{s}[/resourceGroups/{rg}]/providers/Microsoft.Compute/snapshots  snapshot lists, nextLink paging
//
// Long-running operations answer 202 Accepted with Azure-AsyncOperation and
// Location headers and run the fleet operation in the background; they end
// when the fleet operation ends, whether or not anyone polls (as in
// https://learn.microsoft.com/azure/azure-resource-manager/management/async-operations).
// Errors have ARM's shape {"error":{"code","message"}}; injected throttling
// answers 429 with Retry-After, and DenyAction makes a subscription's
// requests of an action answer 403 AuthorizationFailed. Every request is
// recorded in a call log.
//
// Arc machines: the fleet has none of its own; Options.ArcMachines presents
// chosen Azure VMs of the fleet as Arc-enabled servers
// (Microsoft.HybridCompute/machines/{name}) to Resource Graph, the machine
// GET, the patch operations and run commands (see arc.go); their
// per-patch results are served by the Resource Graph patch tables
// (patchgraph.go). Deallocation is emulator state (Deallocate), as the fleet
// has no power states.
package azurefront

// Package fleet holds fleetpatch's domain model: instances, patches, the
// per-instance patch states that scans and installs report, and the
// batch-oriented Provider interface that every cloud front (the simulated
// fleet, AWS Systems Manager, Azure Update Manager) implements.
//
// The package depends on nothing but the standard library, so that the
// policy engine, the workflows and every provider can share it.
package fleet

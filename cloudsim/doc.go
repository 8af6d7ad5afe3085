// Package cloudsim is fleetpatch's simulated multi-cloud fleet: thousands of
// deterministic, generated servers across AWS accounts and regions and Azure
// subscriptions, with real package names and versions per OS release, that
// scan, install, reboot and fail like real servers do.
//
// The core is a *Fleet with batch methods (Discover, Scan, Install,
// WaitReady, Inventory) that mirror fleet.Provider without its batch limit;
// providers/sim wraps it as a fleet.Provider, and the local emulators of the
// AWS and Azure APIs can drive the same Fleet.
//
// Everything is deterministic under Config.Seed: the generated fleet, and
// the outcome of the same operations on the same instances, faults
// included (rate-based faults are decided by hashing the seed with the
// instance ID and that instance's operation count, never by call order; the
// one exception is the throttling rate, which is decided per fleet call).
// Time is a Clock: a real-time clock with a speed-up factor for demos, a
// ManualClock that tests advance, or a VirtualClock whose sleeps return at
// once and move simulated time forward.
package cloudsim

// Package suite is fleetpatch's chaos suite. It runs the pieces as separate
// processes, as in production: the Temporal server (starter server), the
// AWS and Azure emulators over one simulated fleet (cloudsim/cmd/fleetsim)
// and several workers (worker --provider multi). During one multi-cloud
// approval cycle of every server of the fleet, with injected faults (scan
// failures, failing package installs, reboots that never return,
// throttling), it SIGKILLs workers at random moments and restarts them,
// kills and restarts the Temporal server, and then checks the outcome from
// the emulators' own records (their install journal, inventory and call
// logs), not from the cycle's bookkeeping:
//
//   - no instance received two install operations for the cycle;
//   - only approved packages were installed;
//   - no install started after the window's cutoff;
//   - failures stayed within the error budget rule;
//   - every instance appears exactly once in the report;
//   - the report's from and to versions match the emulators.
//
// go run ./chaos runs the full form; TestChaosShort runs a short one in CI.
package suite

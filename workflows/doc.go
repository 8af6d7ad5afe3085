// Package workflows holds the durable patch cycle: PatchCycle (one per
// group per ISO week), its Wave children, and RetryFailed. Workflow code is
// deterministic: it reads time with workflow.Now, sleeps with timers, starts
// goroutines with workflow.Go, sorts before it iterates maps, and does all
// I/O in activities, which get batches of at most 50 instances and keep large
// lists in the artifact store.
package workflows

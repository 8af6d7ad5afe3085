// Package activities holds the Temporal activities of a patch cycle: thin,
// batch-oriented methods on Activities that call the fleet Provider and keep
// every large list (targets, scans, the manifest, per-instance results) in an
// artifact Store, so that workflow payloads carry only references and
// summaries.
//
// Every activity is idempotent: it writes its result to the store under a key
// derived from its input and, when retried, returns what is there instead of
// acting twice. Installs additionally record the installed versions before
// they act, so a retry after a crash never loses a from-version.
package activities

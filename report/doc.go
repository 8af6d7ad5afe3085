// Package report is the model of a cycle's report (what happened to every
// instance and every package, who approved what, what is still missing and
// why) and its renderers. Reports are built by activities from the cycle's
// artifacts and streamed to sinks; workflows only carry summaries and
// references to them.
package report

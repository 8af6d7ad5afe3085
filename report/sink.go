package report

import (
	"context"
	"io"
)

// Sink stores report objects under slash-separated keys such as
// "reports/cycle=2026-W48/group=prod-auto/report.json".
type Sink interface {
	// Put stores what render writes under key with the content type,
	// replacing any object already there, so a retried write leaves the
	// same object. Implementations stream: render writes into a pipe, a
	// temporary file or the destination, never into one string.
	Put(ctx context.Context, key, contentType string, render func(io.Writer) error) error
	// String names the sink in errors and logs, e.g. "s3://bucket/prefix".
	String() string
}

package activities

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/fleetpatch/fleetpatch/policy"
	"github.com/fleetpatch/fleetpatch/report"
	"github.com/fleetpatch/fleetpatch/report/blobsink"
	"github.com/fleetpatch/fleetpatch/report/s3sink"
)

// DefaultReportPrefix is the key prefix of S3 and Blob destinations that
// name none.
const DefaultReportPrefix = "reports"

// Environment variables that point report destinations at emulators
// (s3rver, MinIO, Azurite) without putting endpoints or keys in the policy.
const (
	// EnvS3Endpoint overrides the S3 endpoint of every s3 destination and
	// switches it to path-style addressing.
	EnvS3Endpoint = "FLEETPATCH_S3_ENDPOINT"
	// EnvAzureConnectionString, when set, authenticates every azblob
	// destination with this connection string instead of
	// DefaultAzureCredential.
	EnvAzureConnectionString = "AZURE_STORAGE_CONNECTION_STRING"
)

// reportSink opens the sink of one of a group's report destinations. A
// relative file path resolves under the worker's report directory.
func (a *Activities) reportSink(ctx context.Context, d policy.ReportDestination) (report.Sink, error) {
	switch d.Type {
	case "file", "":
		p := d.Path
		if !filepath.IsAbs(p) {
			p = filepath.Join(a.ReportDir, p)
		}
		return report.DirSink{Root: p}, nil
	case "s3":
		endpoint := os.Getenv(EnvS3Endpoint)
		return s3sink.New(ctx, s3sink.Options{Bucket: d.Bucket, Prefix: orDefault(d.Prefix), Region: d.Region,
			Endpoint: endpoint, PathStyle: endpoint != ""})
	case "azblob":
		return blobsink.New(blobsink.Options{AccountURL: d.AccountURL, Container: d.Container, Prefix: orDefault(d.Prefix),
			ConnectionString: os.Getenv(EnvAzureConnectionString)})
	}
	return nil, badInput("report destination type %q is not file, s3 or azblob", d.Type)
}

func orDefault(prefix string) string {
	if prefix == "" {
		return DefaultReportPrefix
	}
	return prefix
}

// publishRun writes a run's report in every format to each destination,
// under the partitioned keys of report.ObjectKey, and returns where.
func (a *Activities) publishRun(ctx context.Context, dests []policy.ReportDestination, run Run, rep *report.Report) ([]string, error) {
	var where []string
	for _, d := range dests {
		s, err := a.reportSink(ctx, d)
		if err != nil {
			return nil, err
		}
		keys, err := report.Publish(ctx, s, func(file string) string {
			return report.ObjectKey("", run.Cycle, run.Group, run.Retry, file)
		}, report.Renderers, rep)
		if err != nil {
			return nil, fmt.Errorf("report destination %s: %w", s, err)
		}
		for _, k := range keys {
			where = append(where, s.String()+"/"+k)
		}
	}
	return where, nil
}

package main

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/activities/s3store"
)

// newStore opens the artifact store that --store names: empty or
// file:///DIR for a directory (default DATA/artifacts: one worker host, or
// a volume every worker mounts), s3://BUCKET/PREFIX for a bucket that
// workers on any host share (AWS default credential chain; the bucket's
// region from --aws-bucket-region or the chain; --aws-s3-endpoint or
// --aws-endpoint for an S3-compatible endpoint, path-style).
func newStore(ctx context.Context, cfg config) (activities.Store, string, error) {
	if cfg.Store == "" {
		dir := filepath.Join(cfg.DataDir, "artifacts")
		return activities.DirStore{Root: dir}, "file://" + dir, nil
	}
	u, err := url.Parse(cfg.Store)
	if err != nil {
		return nil, "", fmt.Errorf("--store %q: %w", cfg.Store, err)
	}
	switch u.Scheme {
	case "file":
		if u.Path == "" || u.Host != "" {
			return nil, "", fmt.Errorf("--store %q: write file:///absolute/dir", cfg.Store)
		}
		return activities.DirStore{Root: u.Path}, cfg.Store, nil
	case "s3":
		if u.Host == "" {
			return nil, "", fmt.Errorf("--store %q: write s3://bucket/prefix", cfg.Store)
		}
		var loads []func(*awsconfig.LoadOptions) error
		if cfg.AWS.BucketRegion != "" {
			loads = append(loads, awsconfig.WithRegion(cfg.AWS.BucketRegion))
		}
		base, err := awsconfig.LoadDefaultConfig(ctx, loads...)
		if err != nil {
			return nil, "", fmt.Errorf("--store %s: AWS configuration: %w", cfg.Store, err)
		}
		endpoint := cfg.AWS.endpoints().S3
		client := s3.NewFromConfig(base, func(o *s3.Options) {
			if endpoint != "" {
				o.BaseEndpoint, o.UsePathStyle = aws.String(endpoint), true
			}
		})
		return s3store.New(client, u.Host, strings.TrimPrefix(u.Path, "/")), cfg.Store, nil
	}
	return nil, "", fmt.Errorf("--store %q: use file:///dir or s3://bucket/prefix", cfg.Store)
}

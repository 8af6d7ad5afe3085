package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	azcontainer "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/fleetpatch/fleetpatch/activities"
	"github.com/fleetpatch/fleetpatch/activities/blobstore"
	"github.com/fleetpatch/fleetpatch/activities/s3store"
)

// newStore opens the artifact store that --store names: empty or
// file:///DIR for a directory (default DATA/artifacts: one worker host, or
// a volume every worker mounts), s3://BUCKET/PREFIX for a bucket that
// workers on any host share (AWS default credential chain; the bucket's
// region from --aws-bucket-region or the chain; --aws-s3-endpoint or
// --aws-endpoint for an S3-compatible endpoint, path-style; the endpoint
// must honour conditional writes, which is checked here),
// azblob://ACCOUNT/CONTAINER/PREFIX for an Azure Blob container
// (azidentity's default chain, or the account key of
// AZURE_STORAGE_CONNECTION_STRING, which also names the endpoint).
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
			// Objects carry their own SHA-256, verified on every read.
			o.DisableLogOutputChecksumValidationSkipped = true
			if endpoint != "" {
				o.BaseEndpoint, o.UsePathStyle = aws.String(endpoint), true
			}
		})
		st := s3store.New(client, u.Host, strings.TrimPrefix(u.Path, "/"))
		if err := st.CheckConditionalWrites(ctx, probeID()); err != nil {
			return nil, "", fmt.Errorf("--store %s: %w", cfg.Store, err)
		}
		return st, cfg.Store, nil
	case "azblob":
		st, err := newBlobStore(ctx, u)
		if err != nil {
			return nil, "", fmt.Errorf("--store %s: %w", cfg.Store, err)
		}
		return st, cfg.Store, nil
	}
	return nil, "", fmt.Errorf("--store %q: use file:///dir, s3://bucket/prefix or azblob://account/container/prefix", cfg.Store)
}

// newBlobStore opens azblob://ACCOUNT/CONTAINER/PREFIX and checks that the
// container answers.
func newBlobStore(ctx context.Context, u *url.URL) (*blobstore.Store, error) {
	container, prefix, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/")
	if u.Host == "" || container == "" {
		return nil, errors.New("write azblob://account/container/prefix")
	}
	var c *azcontainer.Client
	var err error
	if conn := os.Getenv(activities.EnvAzureConnectionString); conn != "" {
		c, err = azcontainer.NewClientFromConnectionString(conn, container, nil)
	} else {
		cred, cerr := azidentity.NewDefaultAzureCredential(nil)
		if cerr != nil {
			return nil, cerr
		}
		c, err = azcontainer.NewClient(fmt.Sprintf("https://%s.blob.core.windows.net/%s", u.Host, container), cred, nil)
	}
	if err != nil {
		return nil, err
	}
	st := blobstore.New(c, prefix)
	return st, st.CheckContainer(ctx)
}

// probeID names this worker's conditional-write probe.
func probeID() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s-%d-%d", host, os.Getpid(), time.Now().UnixNano())
}

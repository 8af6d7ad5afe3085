// Package s3sink is a report.Sink over Amazon S3 (aws-sdk-go-v2), also
// usable with S3-compatible emulators through an endpoint override and
// path-style addressing.
package s3sink

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Options configure an S3 sink. Credentials always come from the SDK's
// default chain (environment, shared config, SSO, web identity, instance
// or task role).
type Options struct {
	Bucket string
	// Prefix is prepended to every key, e.g. "reports".
	Prefix string
	// Region; empty takes the default chain's region.
	Region string
	// Endpoint overrides the S3 endpoint (emulators, MinIO); PathStyle
	// addresses buckets as endpoint/bucket instead of bucket.endpoint.
	Endpoint  string
	PathStyle bool
}

// Sink stores report objects in a bucket.
type Sink struct {
	client *s3.Client
	opts   Options
}

// New returns a sink over the bucket.
func New(ctx context.Context, o Options) (*Sink, error) {
	if o.Bucket == "" {
		return nil, errors.New("s3 sink: no bucket")
	}
	var loads []func(*config.LoadOptions) error
	if o.Region != "" {
		loads = append(loads, config.WithRegion(o.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return nil, fmt.Errorf("s3 sink: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(so *s3.Options) {
		so.UsePathStyle = o.PathStyle
		if o.Endpoint != "" {
			so.BaseEndpoint = aws.String(o.Endpoint)
			// Emulators do not all speak the flexible checksums that the
			// SDK sends by default; S3 itself does not require them.
			so.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
			so.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	return &Sink{client: client, opts: o}, nil
}

// Client is the S3 client the sink uses.
func (s *Sink) Client() *s3.Client { return s.client }

// Key is the object key that Put stores key under (with the prefix).
func (s *Sink) Key(key string) string {
	if p := strings.Trim(s.opts.Prefix, "/"); p != "" {
		return p + "/" + key
	}
	return key
}

// Put renders the object into a temporary file (so memory stays flat and
// the SDK can sign a seekable body of known length), then uploads it with
// one PutObject, which replaces any object under the key.
func (s *Sink) Put(ctx context.Context, key, contentType string, render func(io.Writer) error) error {
	f, err := os.CreateTemp("", "fleetpatch-s3-*")
	if err != nil {
		return err
	}
	defer func() { f.Close(); os.Remove(f.Name()) }()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := errors.Join(render(bw), bw.Flush()); err != nil {
		return err
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err = s.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(s.opts.Bucket), Key: aws.String(s.Key(key)),
		Body: f, ContentLength: aws.Int64(size), ContentType: aws.String(contentType)})
	return err
}

func (s *Sink) String() string {
	return "s3://" + s.opts.Bucket + "/" + strings.Trim(s.opts.Prefix, "/")
}

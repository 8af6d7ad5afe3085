// Package s3store is the artifact store (activities.Store) in an S3 bucket,
// so that workers on different hosts share nothing but Temporal and the
// bucket. Creates are conditional (PutObject with If-None-Match: *, which
// S3 answers 412 when the key exists), so two workers never both take a
// lock or overwrite a first result. Every object carries its SHA-256 in
// its metadata and a read verifies it, so a damaged object is an error
// (retryable) and never data.
package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/fleetpatch/fleetpatch/activities"
)

// checksumMeta is the user metadata key holding the object's SHA-256 (hex).
const checksumMeta = "fleetpatch-sha256"

// Store keeps artifacts under prefix in bucket.
type Store struct {
	client *s3.Client
	bucket string
	prefix string
}

var _ activities.Store = (*Store)(nil)

// New returns the store over client; prefix ("" or a path like
// "fleetpatch/artifacts") is put before every key.
func New(client *s3.Client, bucket, prefix string) *Store {
	return &Store{client: client, bucket: bucket, prefix: strings.Trim(prefix, "/")}
}

func (s *Store) key(k string) string {
	if s.prefix == "" {
		return k
	}
	return s.prefix + "/" + k
}

func (s *Store) put(ctx context.Context, key string, data []byte, create bool) error {
	in := &s3.PutObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key)), Body: bytes.NewReader(data),
		ContentType: aws.String("application/json"), Metadata: map[string]string{checksumMeta: activities.Checksum(data)}}
	if create {
		in.IfNoneMatch = aws.String("*")
	}
	_, err := s.client.PutObject(ctx, in)
	var apiErr smithy.APIError
	if create && errors.As(err, &apiErr) && (apiErr.ErrorCode() == "PreconditionFailed" || apiErr.ErrorCode() == "ConditionalRequestConflict") {
		return fmt.Errorf("%s: %w", key, activities.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("write s3://%s/%s: %w", s.bucket, s.key(key), err)
	}
	return nil
}

// Put writes data under key (S3 replaces an object atomically).
func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	return s.put(ctx, key, data, false)
}

// Create writes data under key unless key exists (ErrExists).
func (s *Store) Create(ctx context.Context, key string, data []byte) error {
	return s.put(ctx, key, data, true)
}

// Get reads key and verifies its checksum; ErrNotFound when there is none.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := s.client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key))})
	var missing *types.NoSuchKey
	if errors.As(err, &missing) {
		return nil, fmt.Errorf("%s: %w", key, activities.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", s.bucket, s.key(key), err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("read s3://%s/%s: %w", s.bucket, s.key(key), err)
	}
	if err := activities.VerifyChecksum("s3://"+s.bucket+"/"+s.key(key), out.Metadata[checksumMeta], data); err != nil {
		return nil, err
	}
	return data, nil
}

// List returns the keys under prefix, sorted (S3 lists in key order).
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.client, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(s.key(prefix))})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list s3://%s/%s: %w", s.bucket, s.key(prefix), err)
		}
		for _, o := range page.Contents {
			k := aws.ToString(o.Key)
			if s.prefix != "" {
				k = strings.TrimPrefix(k, s.prefix+"/")
			}
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// Delete removes key; a missing key is not an error (S3 answers 204).
func (s *Store) Delete(ctx context.Context, key string) error {
	_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(s.key(key))})
	if err != nil {
		return fmt.Errorf("delete s3://%s/%s: %w", s.bucket, s.key(key), err)
	}
	return nil
}

// ErrNoConditionalWrites says the endpoint ignores If-None-Match on
// PutObject, so two workers could both take one lock: the store refuses
// to run on it.
var ErrNoConditionalWrites = errors.New("the S3 endpoint ignores If-None-Match on PutObject (conditional writes); fleetpatch needs them so that two workers never both take a lock or overwrite a first result: use Amazon S3 or an S3-compatible store that supports conditional writes")

// CheckConditionalWrites creates a probe object twice under the prefix
// (".probe/conditional-write/<id>") and expects the second create to be
// refused; it deletes the probe. Workers call it once at start.
func (s *Store) CheckConditionalWrites(ctx context.Context, id string) error {
	key := ".probe/conditional-write/" + id
	defer s.Delete(context.WithoutCancel(ctx), key)
	if err := s.Create(ctx, key, []byte(id)); err != nil && !errors.Is(err, activities.ErrExists) {
		return err
	}
	err := s.Create(ctx, key, []byte(id))
	switch {
	case errors.Is(err, activities.ErrExists):
		return nil
	case err == nil:
		return fmt.Errorf("s3://%s/%s: %w", s.bucket, s.prefix, ErrNoConditionalWrites)
	}
	return err
}

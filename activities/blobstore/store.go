// Package blobstore is the artifact store (activities.Store) in an Azure
// Blob Storage container, so that workers on different hosts share nothing
// but Temporal and the container. Creates are conditional (Put Blob with
// If-None-Match: *, which the service answers 409 BlobAlreadyExists or 412
// ConditionNotMet when the blob exists; see "Specifying conditional headers
// for Blob service operations" in the Azure Storage REST reference), so two
// workers never both take a lock or overwrite a first result. Every blob
// carries its SHA-256 in its metadata and a read verifies it, so a damaged
// blob is an error (retryable) and never data.
package blobstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/streaming"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/bloberror"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"

	"github.com/fleetpatch/fleetpatch/activities"
)

// checksumMeta is the metadata name holding the blob's SHA-256 (hex);
// metadata names must be C# identifiers, hence no dash.
const checksumMeta = "fleetpatchsha256"

// Store keeps artifacts under prefix in one container.
type Store struct {
	client   *container.Client
	prefix   string
	pageSize int32 // names per List page; 0: the service's (at most 5,000)
}

var _ activities.Store = (*Store)(nil)

// New returns the store over the container client; prefix ("" or a path
// like "fleetpatch/artifacts") is put before every key.
func New(client *container.Client, prefix string) *Store {
	return &Store{client: client, prefix: strings.Trim(prefix, "/")}
}

func (s *Store) name(k string) string {
	if s.prefix == "" {
		return k
	}
	return s.prefix + "/" + k
}

func (s *Store) where(k string) string { return s.client.URL() + "/" + s.name(k) }

func (s *Store) put(ctx context.Context, key string, data []byte, create bool) error {
	hexSum := activities.Checksum(data)
	ct := "application/json"
	opts := &blockblob.UploadOptions{Metadata: map[string]*string{checksumMeta: &hexSum},
		HTTPHeaders: &blob.HTTPHeaders{BlobContentType: &ct}}
	if create {
		anyTag := azcore.ETagAny
		opts.AccessConditions = &blob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{IfNoneMatch: &anyTag}}
	}
	_, err := s.client.NewBlockBlobClient(s.name(key)).Upload(ctx, streaming.NopCloser(bytes.NewReader(data)), opts)
	if create && bloberror.HasCode(err, bloberror.BlobAlreadyExists, bloberror.ConditionNotMet) {
		return fmt.Errorf("%s: %w", key, activities.ErrExists)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", s.where(key), err)
	}
	return nil
}

// Put writes data under key (Put Blob replaces a blob atomically).
func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	return s.put(ctx, key, data, false)
}

// Create writes data under key unless key exists (ErrExists).
func (s *Store) Create(ctx context.Context, key string, data []byte) error {
	return s.put(ctx, key, data, true)
}

// Get reads key and verifies its checksum; ErrNotFound when there is none.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	resp, err := s.client.NewBlobClient(s.name(key)).DownloadStream(ctx, nil)
	if bloberror.HasCode(err, bloberror.BlobNotFound, bloberror.ContainerNotFound) {
		return nil, fmt.Errorf("%s: %w", key, activities.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.where(key), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.where(key), err)
	}
	var want string
	for k, v := range resp.Metadata { // the service may change the name's case
		if strings.EqualFold(k, checksumMeta) && v != nil {
			want = *v
		}
	}
	if err := activities.VerifyChecksum(s.where(key), want, data); err != nil {
		return nil, err
	}
	return data, nil
}

// List returns the keys under prefix, sorted (the service lists blobs in
// name order), following continuation markers.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	p := s.name(prefix)
	opts := &container.ListBlobsFlatOptions{Prefix: &p}
	if s.pageSize > 0 {
		opts.MaxResults = &s.pageSize
	}
	pager := s.client.NewListBlobsFlatPager(opts)
	for pager.More() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", s.where(prefix), err)
		}
		for _, b := range page.Segment.BlobItems {
			if b.Name == nil {
				continue
			}
			k := *b.Name
			if s.prefix != "" {
				k = strings.TrimPrefix(k, s.prefix+"/")
			}
			keys = append(keys, k)
		}
	}
	return keys, nil
}

// Delete removes key; a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	_, err := s.client.NewBlobClient(s.name(key)).Delete(ctx, nil)
	if err != nil && !bloberror.HasCode(err, bloberror.BlobNotFound) {
		return fmt.Errorf("delete %s: %w", s.where(key), err)
	}
	return nil
}

// CheckContainer fails with a clear error when the container does not
// exist or cannot be read with the credential; workers call it at start.
func (s *Store) CheckContainer(ctx context.Context) error {
	if _, err := s.client.GetProperties(ctx, nil); err != nil {
		var re *azcore.ResponseError
		if errors.As(err, &re) {
			return fmt.Errorf("artifact store %s: %s (HTTP %d)", s.client.URL(), re.ErrorCode, re.StatusCode)
		}
		return fmt.Errorf("artifact store %s: %w", s.client.URL(), err)
	}
	return nil
}

// Package blobsink is a report.Sink over Azure Blob Storage (azblob).
package blobsink

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blockblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
)

// Options configure a Blob sink.
type Options struct {
	// AccountURL is the storage account's blob endpoint, e.g.
	// https://acct.blob.core.windows.net; Container the container.
	AccountURL string
	Container  string
	// Prefix is prepended to every blob name, e.g. "reports".
	Prefix string
	// ConnectionString, when set, authenticates with the account key it
	// carries and overrides AccountURL (Azurite, tests). Otherwise the sink
	// uses DefaultAzureCredential (managed identity, workload identity,
	// environment, Azure CLI).
	ConnectionString string
}

// Sink stores report objects as block blobs in a container.
type Sink struct {
	client *container.Client
	opts   Options
}

// New returns a sink over the container.
func New(o Options) (*Sink, error) {
	if o.Container == "" {
		return nil, errors.New("blob sink: no container")
	}
	var c *container.Client
	var err error
	if o.ConnectionString != "" {
		c, err = container.NewClientFromConnectionString(o.ConnectionString, o.Container, nil)
	} else {
		if o.AccountURL == "" {
			return nil, errors.New("blob sink: no account URL")
		}
		cred, cerr := azidentity.NewDefaultAzureCredential(nil)
		if cerr != nil {
			return nil, fmt.Errorf("blob sink: %w", cerr)
		}
		c, err = container.NewClient(strings.TrimSuffix(o.AccountURL, "/")+"/"+o.Container, cred, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("blob sink: %w", err)
	}
	return &Sink{client: c, opts: o}, nil
}

// Client is the container client the sink uses.
func (s *Sink) Client() *container.Client { return s.client }

// Name is the blob name that Put stores key under (with the prefix).
func (s *Sink) Name(key string) string {
	if p := strings.Trim(s.opts.Prefix, "/"); p != "" {
		return p + "/" + key
	}
	return key
}

// Put streams what render writes through a pipe into UploadStream, which
// uploads it in blocks and commits them as one block blob, replacing any
// blob under the name.
func (s *Sink) Put(ctx context.Context, key, contentType string, render func(io.Writer) error) error {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		bw := bufio.NewWriterSize(pw, 64<<10)
		err := errors.Join(render(bw), bw.Flush())
		pw.CloseWithError(err)
		done <- err
	}()
	_, err := s.client.NewBlockBlobClient(s.Name(key)).UploadStream(ctx, pr, &blockblob.UploadStreamOptions{
		HTTPHeaders: &blob.HTTPHeaders{BlobContentType: &contentType}})
	pr.CloseWithError(errors.New("upload ended")) // unblocks render if the upload stopped early
	return errors.Join(<-done, err)
}

func (s *Sink) String() string {
	return "azblob://" + s.opts.Container + "/" + strings.Trim(s.opts.Prefix, "/")
}

// Package awskms keeps payload keys as AWS KMS data keys: a key line
// "ID aws-kms:BASE64" holds the CiphertextBlob of a data key that
// GenerateDataKey (KeySpec AES_256) made under a KMS key, and the worker
// asks KMS to Decrypt it at start, so the key file holds no key material
// and reading it needs kms:Decrypt on that KMS key (see "Data keys" in the
// AWS KMS Developer Guide).
package awskms

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/fleetpatch/fleetpatch/codec"
)

// Scheme is the key lines' prefix: "ID aws-kms:BASE64".
const Scheme = "aws-kms"

// Client is the part of the KMS client the package uses.
type Client interface {
	GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, opts ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error)
	Decrypt(ctx context.Context, in *kms.DecryptInput, opts ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// Keys unwraps and makes data keys with a KMS client.
type Keys struct{ client Client }

// New returns Keys over client.
func New(client Client) *Keys { return &Keys{client: client} }

// Unwrap decrypts the data key whose CiphertextBlob value holds (base64).
func (k *Keys) Unwrap(ctx context.Context, value string) ([]byte, error) {
	blob, err := base64.StdEncoding.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("the data key is not standard base64: %v", err)
	}
	out, err := k.client.Decrypt(ctx, &kms.DecryptInput{CiphertextBlob: blob, EncryptionAlgorithm: types.EncryptionAlgorithmSpecSymmetricDefault})
	if err != nil {
		return nil, fmt.Errorf("KMS Decrypt: %w", err)
	}
	return out.Plaintext, nil
}

// NewLine makes a data key under the KMS key keyID (ID, ARN or alias) and
// returns its key line "id aws-kms:BASE64".
func (k *Keys) NewLine(ctx context.Context, id, keyID string) (string, error) {
	out, err := k.client.GenerateDataKey(ctx, &kms.GenerateDataKeyInput{KeyId: aws.String(keyID), KeySpec: types.DataKeySpecAes256})
	if err != nil {
		return "", fmt.Errorf("KMS GenerateDataKey: %w", err)
	}
	if len(out.Plaintext) != codec.KeySize {
		return "", fmt.Errorf("KMS GenerateDataKey returned %d bytes, want %d", len(out.Plaintext), codec.KeySize)
	}
	return id + " " + Scheme + ":" + base64.StdEncoding.EncodeToString(out.CiphertextBlob), nil
}

// Lazy returns an Unwrapper that loads the AWS default configuration
// (environment, shared files, the instance's or pod's role; the region
// from it; AWS_ENDPOINT_URL_KMS for another endpoint) on first use only,
// so that key files without aws-kms lines need no AWS configuration.
func Lazy() codec.Unwrapper {
	var once sync.Once
	var keys *Keys
	var loadErr error
	return codec.UnwrapFunc(func(ctx context.Context, value string) ([]byte, error) {
		once.Do(func() { keys, loadErr = Default(ctx) })
		if loadErr != nil {
			return nil, loadErr
		}
		return keys.Unwrap(ctx, value)
	})
}

// Default returns Keys over a KMS client of the AWS default configuration.
func Default(ctx context.Context) (*Keys, error) {
	cfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return nil, errors.New("no AWS region: set AWS_REGION to the KMS key's region")
	}
	return New(kms.NewFromConfig(cfg)), nil
}

// Package azurekv keeps payload keys wrapped by an Azure Key Vault key: a
// key line "ID azure-keyvault:<key ID URL>#BASE64" holds a 32-byte key
// that the vault's key wrapped with RSA-OAEP-256 (wrapKey), and the worker
// asks the vault to unwrap it at start (unwrapKey, which needs the
// "Key Vault Crypto User" role or the keys/unwrapKey permission), so the
// key file holds no key material.
package azurekv

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"

	"github.com/fleetpatch/fleetpatch/codec"
)

// Scheme is the key lines' prefix: "ID azure-keyvault:URL#BASE64".
const Scheme = "azure-keyvault"

var algorithm = azkeys.EncryptionAlgorithmRSAOAEP256

// Keys wraps and unwraps payload keys with Key Vault keys.
type Keys struct {
	cred azcore.TokenCredential
	opts *azkeys.ClientOptions

	mu      sync.Mutex
	clients map[string]*azkeys.Client // by vault URL
}

// New returns Keys that reach vaults with cred; opts may be nil.
func New(cred azcore.TokenCredential, opts *azkeys.ClientOptions) *Keys {
	return &Keys{cred: cred, opts: opts, clients: map[string]*azkeys.Client{}}
}

// keyRef is a key ID URL split into its vault, name and version.
type keyRef struct{ vault, name, version string }

func parseKeyURL(s string) (keyRef, error) {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return keyRef{}, fmt.Errorf("%q is not a Key Vault key URL (https://VAULT.vault.azure.net/keys/NAME/VERSION)", s)
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] != "keys" || parts[1] == "" {
		return keyRef{}, fmt.Errorf("%q is not a Key Vault key URL (https://VAULT.vault.azure.net/keys/NAME/VERSION)", s)
	}
	r := keyRef{vault: u.Scheme + "://" + u.Host, name: parts[1]}
	if len(parts) == 3 {
		r.version = parts[2]
	}
	return r, nil
}

func (k *Keys) client(vault string) (*azkeys.Client, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if c, ok := k.clients[vault]; ok {
		return c, nil
	}
	c, err := azkeys.NewClient(vault, k.cred, k.opts)
	if err != nil {
		return nil, err
	}
	k.clients[vault] = c
	return c, nil
}

// Unwrap unwraps value, "<key ID URL>#BASE64", with the named key.
func (k *Keys) Unwrap(ctx context.Context, value string) ([]byte, error) {
	keyURL, wrapped64, ok := strings.Cut(value, "#")
	if !ok {
		return nil, errors.New("want <key ID URL>#<base64 wrapped key>")
	}
	ref, err := parseKeyURL(keyURL)
	if err != nil {
		return nil, err
	}
	if ref.version == "" {
		return nil, fmt.Errorf("%s: name the key version that wrapped the key", keyURL)
	}
	wrapped, err := base64.StdEncoding.DecodeString(wrapped64)
	if err != nil {
		return nil, fmt.Errorf("the wrapped key is not standard base64: %v", err)
	}
	c, err := k.client(ref.vault)
	if err != nil {
		return nil, err
	}
	resp, err := c.UnwrapKey(ctx, ref.name, ref.version, azkeys.KeyOperationParameters{Algorithm: &algorithm, Value: wrapped}, nil)
	if err != nil {
		return nil, fmt.Errorf("Key Vault unwrapKey with %s: %w", keyURL, err)
	}
	return resp.Result, nil
}

// NewLine makes a random 32-byte key, wraps it with the key at keyURL (the
// current version when the URL names none) and returns its key line
// "id azure-keyvault:<key ID URL with version>#BASE64".
func (k *Keys) NewLine(ctx context.Context, id, keyURL string) (string, error) {
	ref, err := parseKeyURL(keyURL)
	if err != nil {
		return "", err
	}
	key := make([]byte, codec.KeySize)
	if _, err := rand.Read(key); err != nil {
		return "", err
	}
	c, err := k.client(ref.vault)
	if err != nil {
		return "", err
	}
	resp, err := c.WrapKey(ctx, ref.name, ref.version, azkeys.KeyOperationParameters{Algorithm: &algorithm, Value: key}, nil)
	if err != nil {
		return "", fmt.Errorf("Key Vault wrapKey with %s: %w", keyURL, err)
	}
	kid := keyURL
	if resp.KID != nil {
		kid = string(*resp.KID)
	}
	return id + " " + Scheme + ":" + kid + "#" + base64.StdEncoding.EncodeToString(resp.Result), nil
}

// DefaultNewLine is NewLine with azidentity's default credential.
func DefaultNewLine(ctx context.Context, id, keyURL string) (string, error) {
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		return "", fmt.Errorf("Azure credential: %w", err)
	}
	return New(cred, nil).NewLine(ctx, id, keyURL)
}

// Lazy returns an Unwrapper that makes azidentity's default credential
// (environment, workload identity, managed identity, Azure CLI) on first
// use only, so that key files without azure-keyvault lines need none.
func Lazy() codec.Unwrapper {
	var once sync.Once
	var keys *Keys
	var credErr error
	return codec.UnwrapFunc(func(ctx context.Context, value string) ([]byte, error) {
		once.Do(func() {
			var cred azcore.TokenCredential
			if cred, credErr = azidentity.NewDefaultAzureCredential(nil); credErr == nil {
				keys = New(cred, nil)
			}
		})
		if credErr != nil {
			return nil, fmt.Errorf("Azure credential: %w", credErr)
		}
		return keys.Unwrap(ctx, value)
	})
}

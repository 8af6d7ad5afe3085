package codec

import (
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
)

// KeyEnv is the environment variable that may hold the key list itself
// (same format as a key file; ";" may stand for a line break).
const KeyEnv = "FLEETPATCH_CODEC_KEYS"

// KeySize is the length of an AES-256 key in bytes.
const KeySize = 32

// keyID is what a key's ID may be: it goes into payload metadata.
var keyID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// CheckKeyID says whether id can name a key (it goes into payload
// metadata).
func CheckKeyID(id string) error {
	if !keyID.MatchString(id) {
		return fmt.Errorf("key ID %q: use letters, digits, '.', '_' or '-' (at most 64)", id)
	}
	return nil
}

// Keyring holds the keys by ID; the newest encrypts.
type Keyring struct {
	keys   map[string][]byte
	newest string
}

// Newest is the ID of the key that encrypts new payloads.
func (k *Keyring) Newest() string { return k.newest }

// Unwrapper turns a data key kept wrapped by a key service back into the
// key: a key line "ID SCHEME:VALUE" is unwrapped by the Unwrapper given for
// SCHEME (WithKeySource), which gets VALUE.
type Unwrapper interface {
	Unwrap(ctx context.Context, value string) ([]byte, error)
}

// UnwrapFunc is an Unwrapper as a function.
type UnwrapFunc func(ctx context.Context, value string) ([]byte, error)

// Unwrap implements Unwrapper.
func (f UnwrapFunc) Unwrap(ctx context.Context, value string) ([]byte, error) { return f(ctx, value) }

// Option configures how keys are read.
type Option func(*loadOptions)

type loadOptions struct {
	ctx     context.Context
	sources map[string]Unwrapper
}

// WithKeySource unwraps the key lines "ID scheme:VALUE" with u.
func WithKeySource(scheme string, u Unwrapper) Option {
	return func(o *loadOptions) { o.sources[scheme] = u }
}

// WithContext bounds the key services' calls.
func WithContext(ctx context.Context) Option { return func(o *loadOptions) { o.ctx = ctx } }

func options(opts []Option) loadOptions {
	o := loadOptions{ctx: context.Background(), sources: map[string]Unwrapper{}}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// ParseKeys reads a key list: one key per line, "ID BASE64", where the
// key is 32 bytes in standard base64 (for example `openssl rand -base64
// 32`), or "ID SCHEME:VALUE", a key kept wrapped by a key service that an
// Unwrapper given for SCHEME unwraps (aws-kms:, azure-keyvault:; see
// `starter codec-keys`); blank lines and lines starting with "#" are
// skipped. source names the file or variable in errors, with the line.
func ParseKeys(source, text string, opts ...Option) (*Keyring, error) {
	o := options(opts)
	k := &Keyring{keys: map[string][]byte{}}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 2 {
			return nil, fmt.Errorf("%s:%d: want \"ID BASE64-KEY\", got %d fields", source, i+1, len(f))
		}
		id := f[0]
		if err := CheckKeyID(id); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", source, i+1, err)
		}
		if _, dup := k.keys[id]; dup {
			return nil, fmt.Errorf("%s:%d: key ID %q is listed twice", source, i+1, id)
		}
		var key []byte
		var err error
		if scheme, value, wrapped := strings.Cut(f[1], ":"); wrapped {
			u, ok := o.sources[scheme]
			if !ok {
				return nil, fmt.Errorf("%s:%d: key %q: unknown key source %q (known: %s)", source, i+1, id, scheme, known(o.sources))
			}
			if key, err = u.Unwrap(o.ctx, value); err != nil {
				return nil, fmt.Errorf("%s:%d: key %q: %s: %w", source, i+1, id, scheme, err)
			}
		} else if key, err = base64.StdEncoding.DecodeString(f[1]); err != nil {
			return nil, fmt.Errorf("%s:%d: key %q is not standard base64: %v", source, i+1, id, err)
		}
		if len(key) != KeySize {
			return nil, fmt.Errorf("%s:%d: key %q is %d bytes; AES-256 needs %d", source, i+1, id, len(key), KeySize)
		}
		k.keys[id] = key
		k.newest = id
	}
	if k.newest == "" {
		return nil, fmt.Errorf("%s: no keys", source)
	}
	return k, nil
}

// LoadKeys reads the key file at path, or, when path is empty, the
// FLEETPATCH_CODEC_KEYS variable; with neither it returns nil (payloads
// stay in clear).
func LoadKeys(path string, opts ...Option) (*Keyring, error) {
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("codec keys: %w", err)
		}
		return ParseKeys(path, string(b), opts...)
	}
	if v, ok := os.LookupEnv(KeyEnv); ok && strings.TrimSpace(v) != "" {
		return ParseKeys(KeyEnv, strings.ReplaceAll(v, ";", "\n"), opts...)
	}
	return nil, nil
}

func known(sources map[string]Unwrapper) string {
	if len(sources) == 0 {
		return "none configured"
	}
	return strings.Join(slices.Sorted(maps.Keys(sources)), ", ")
}

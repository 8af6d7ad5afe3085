package codec

import (
	"encoding/base64"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// KeyEnv is the environment variable that may hold the key list itself
// (same format as a key file; ";" may stand for a line break).
const KeyEnv = "FLEETPATCH_CODEC_KEYS"

// KeySize is the length of an AES-256 key in bytes.
const KeySize = 32

// keyID is what a key's ID may be: it goes into payload metadata.
var keyID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Keyring holds the keys by ID; the newest encrypts.
type Keyring struct {
	keys   map[string][]byte
	newest string
}

// Newest is the ID of the key that encrypts new payloads.
func (k *Keyring) Newest() string { return k.newest }

// ParseKeys reads a key list: one key per line, "ID BASE64", where the
// key is 32 bytes in standard base64 (for example `openssl rand -base64
// 32`); blank lines and lines starting with "#" are skipped. source names
// the file or variable in errors, with the line.
func ParseKeys(source, text string) (*Keyring, error) {
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
		if !keyID.MatchString(id) {
			return nil, fmt.Errorf("%s:%d: key ID %q: use letters, digits, '.', '_' or '-' (at most 64)", source, i+1, id)
		}
		if _, dup := k.keys[id]; dup {
			return nil, fmt.Errorf("%s:%d: key ID %q is listed twice", source, i+1, id)
		}
		key, err := base64.StdEncoding.DecodeString(f[1])
		if err != nil {
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
func LoadKeys(path string) (*Keyring, error) {
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("codec keys: %w", err)
		}
		return ParseKeys(path, string(b))
	}
	if v, ok := os.LookupEnv(KeyEnv); ok && strings.TrimSpace(v) != "" {
		return ParseKeys(KeyEnv, strings.ReplaceAll(v, ";", "\n"))
	}
	return nil, nil
}

package notify

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/fleetpatch/fleetpatch/policy"
)

// ErrUnresolved says a secret reference names an environment variable
// that is not set (or empty), or a file that cannot be read (or is empty).
// The destination is not sent to; the error names the reference, never a
// value.
var ErrUnresolved = errors.New("secret reference not resolved")

// maxSecretFile bounds a secret file (a URL, a key or a password).
const maxSecretFile = 64 << 10

// Resolve returns the value of a secret reference: the environment
// variable of "env:NAME", or the content of "file:/path" without its
// surrounding white space (a trailing newline, as editors write it).
func (o Options) Resolve(ref string) (string, error) {
	kind, name, err := policy.ParseSecretRef(ref)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	var v string
	switch kind {
	case policy.SecretEnv:
		lookup := o.LookupEnv
		if lookup == nil {
			lookup = os.LookupEnv
		}
		val, ok := lookup(name)
		if !ok || strings.TrimSpace(val) == "" {
			return "", fmt.Errorf("%w: environment variable %s is not set", ErrUnresolved, name)
		}
		v = val
	case policy.SecretFile:
		b, err := readSecretFile(name)
		if err != nil {
			return "", fmt.Errorf("%w: %v", ErrUnresolved, err)
		}
		v = string(b)
	}
	v = strings.TrimSpace(v)
	if v == "" {
		return "", fmt.Errorf("%w: %s is empty", ErrUnresolved, ref)
	}
	return v, nil
}

func readSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("secret file %s: %v", path, pe.Err)
		}
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
	if err != nil {
		return nil, fmt.Errorf("secret file %s: %v", path, err)
	}
	if len(b) > maxSecretFile {
		return nil, fmt.Errorf("secret file %s is larger than %d bytes", path, maxSecretFile)
	}
	return b, nil
}

package approval

import (
	"bufio"
	"crypto/rsa"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// AllowedSigner is one line of an OpenSSH allowed_signers file (see
// ssh-keygen(1), "ALLOWED SIGNERS"): the principals a key may sign for,
// the key, and the options fleetpatch honours.
type AllowedSigner struct {
	// Principals are the identities (approvers) the key signs for.
	Principals []string
	Key        ssh.PublicKey
	// Namespaces, when set, limit the key to these signature namespaces;
	// it must then include fleetpatch-approval.
	Namespaces []string
	// ValidAfter and ValidBefore bound when the key is trusted (zero: no
	// bound). allowed_signers times without a "Z" are read as UTC, not as
	// the verifier's local time, so every worker reads them alike.
	ValidAfter, ValidBefore time.Time
}

// allowedKeyTypes are the key types an approver may sign with.
var allowedKeyTypes = map[string]bool{
	ssh.KeyAlgoED25519: true, ssh.KeyAlgoSKED25519: true,
	ssh.KeyAlgoECDSA256: true, ssh.KeyAlgoECDSA384: true, ssh.KeyAlgoECDSA521: true, ssh.KeyAlgoSKECDSA256: true,
	ssh.KeyAlgoRSA: true,
}

// minRSABits is the smallest RSA key accepted.
const minRSABits = 2048

// ParseAllowedSigner parses one allowed_signers line:
//
//	principals [options] keytype base64-key [comment]
//
// Principals are a comma-separated list of exact names (patterns are
// refused: every approver is listed by name). Options: namespaces="…",
// valid-after="…", valid-before="…"; cert-authority is not supported.
func ParseAllowedSigner(line string) (AllowedSigner, error) {
	line = strings.TrimSpace(line)
	var principals string
	if strings.HasPrefix(line, `"`) {
		end := strings.Index(line[1:], `"`)
		if end < 0 {
			return AllowedSigner{}, fmt.Errorf("unterminated quoted principals")
		}
		principals, line = line[1:end+1], line[end+2:]
	} else {
		principals, line, _ = strings.Cut(line, " ")
	}
	var s AllowedSigner
	for _, p := range strings.Split(principals, ",") {
		switch {
		case p == "":
			return AllowedSigner{}, fmt.Errorf("empty principal in %q", principals)
		case strings.ContainsAny(p, "*?!"):
			return AllowedSigner{}, fmt.Errorf("principal %q is a pattern; list each approver by name", p)
		}
		s.Principals = append(s.Principals, p)
	}
	if strings.ContainsAny(line, "\r\n") {
		return AllowedSigner{}, fmt.Errorf("one signer per line")
	}
	key, _, options, _, err := ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(line)))
	if err != nil {
		return AllowedSigner{}, fmt.Errorf("no public key after the principals: %v", err)
	}
	if err := checkKey(key); err != nil {
		return AllowedSigner{}, err
	}
	s.Key = key
	for _, o := range options {
		name, value, _ := strings.Cut(o, "=")
		value = strings.Trim(value, `"`)
		switch strings.ToLower(name) {
		case "namespaces":
			s.Namespaces = strings.Split(value, ",")
		case "valid-after":
			s.ValidAfter, err = parseSignerTime(value)
		case "valid-before":
			s.ValidBefore, err = parseSignerTime(value)
		case "cert-authority":
			err = fmt.Errorf("cert-authority keys are not supported; list each approver's own key")
		default:
			err = fmt.Errorf("unknown option %q", name)
		}
		if err != nil {
			return AllowedSigner{}, err
		}
	}
	return s, nil
}

func checkKey(key ssh.PublicKey) error {
	if !allowedKeyTypes[key.Type()] {
		return fmt.Errorf("key type %s is not accepted (use ed25519, ecdsa, their sk- hardware variants, or RSA of %d bits or more)", key.Type(), minRSABits)
	}
	if ck, ok := key.(ssh.CryptoPublicKey); ok {
		if r, ok := ck.CryptoPublicKey().(*rsa.PublicKey); ok && r.N.BitLen() < minRSABits {
			return fmt.Errorf("RSA key of %d bits is too short (at least %d)", r.N.BitLen(), minRSABits)
		}
	}
	return nil
}

// parseSignerTime reads YYYYMMDD[Z], YYYYMMDDHHMM[Z] or YYYYMMDDHHMMSS[Z].
func parseSignerTime(v string) (time.Time, error) {
	v = strings.TrimSuffix(v, "Z")
	for _, layout := range []string{"20060102", "200601021504", "20060102150405"} {
		if len(v) == len(layout) {
			if t, err := time.Parse(layout, v); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not YYYYMMDD[HHMM[SS]][Z]", v)
}

// SignsFor reports whether the key may sign an approval for principal at
// time at (principals compare case-insensitively: they are e-mail
// addresses).
func (s AllowedSigner) SignsFor(principal string, at time.Time) bool {
	if !slices.ContainsFunc(s.Principals, func(p string) bool { return strings.EqualFold(p, principal) }) {
		return false
	}
	if len(s.Namespaces) > 0 && !slices.Contains(s.Namespaces, Namespace) {
		return false
	}
	if !s.ValidAfter.IsZero() && at.Before(s.ValidAfter) {
		return false
	}
	return s.ValidBefore.IsZero() || at.Before(s.ValidBefore)
}

// LineError is a problem on one line of an allowed_signers file.
type LineError struct {
	Line int
	Err  error
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// ReadAllowedSigners reads an allowed_signers file: one signer per line,
// blank lines and lines starting with # ignored. It returns every line it
// could parse, as written, with its line number, and one LineError per line
// it could not.
func ReadAllowedSigners(r io.Reader) (lines []string, numbers []int, errs []error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if _, err := ParseAllowedSigner(l); err != nil {
			errs = append(errs, LineError{Line: n, Err: err})
			continue
		}
		lines, numbers = append(lines, l), append(numbers, n)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	return lines, numbers, errs
}

// ParseAllowedSigners parses lines as ParseAllowedSigner does.
func ParseAllowedSigners(lines []string) ([]AllowedSigner, error) {
	out := make([]AllowedSigner, 0, len(lines))
	for i, l := range lines {
		s, err := ParseAllowedSigner(l)
		if err != nil {
			return nil, fmt.Errorf("key %d: %w", i+1, err)
		}
		out = append(out, s)
	}
	return out, nil
}

package approval

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

var testNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func testStatement() Statement {
	return Statement{Namespace: "default", Workflow: "patch-cycle/prod-sensitive/2026-W48", Run: "0193a7c0-run",
		Decision: Approve, Approver: "ops-lead@example.com", Digest: testDigest, Start: StartWindow,
		Expires: testNow.Add(48 * time.Hour), Comment: "CAB-1234"}
}

// newEd25519 returns a signer and its allowed_signers line for principal.
func newEd25519(t *testing.T, principal string) (ssh.Signer, string) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signerLine(t, priv, principal)
}

func newECDSA(t *testing.T, principal string) (ssh.Signer, string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return signerLine(t, priv, principal)
}

func signerLine(t *testing.T, priv any, principal string) (ssh.Signer, string) {
	t.Helper()
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, principal + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(s.PublicKey())))
}

func mustSigners(t *testing.T, lines ...string) []AllowedSigner {
	t.Helper()
	s, err := ParseAllowedSigners(lines)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustSign(t *testing.T, st Statement, s ssh.Signer) Signed {
	t.Helper()
	signed, err := Sign(st, s)
	if err != nil {
		t.Fatal(err)
	}
	return signed
}

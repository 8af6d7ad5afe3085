package approval

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/pem"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hiddeco/sshsig"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

func TestVerifyAcceptsListedEd25519AndECDSAKeys(t *testing.T) {
	ed, edLine := newEd25519(t, "ops-lead@example.com")
	ec, ecLine := newECDSA(t, "sre-oncall@example.com,ops-lead@example.com")
	signers := mustSigners(t, edLine, ecLine)
	for _, s := range []ssh.Signer{ed, ec} {
		v, err := Verify(mustSign(t, testStatement(), s), signers, testNow)
		require.NoError(t, err)
		require.Equal(t, testStatement(), v.Statement)
		require.Equal(t, ssh.FingerprintSHA256(s.PublicKey()), v.Fingerprint)
		require.Equal(t, s.PublicKey().Type(), v.KeyType)
	}
}

func TestVerifyRefuses(t *testing.T) {
	ops, opsLine := newEd25519(t, "ops-lead@example.com")
	mallory, malloryLine := newEd25519(t, "mallory@example.com")
	signers := mustSigners(t, opsLine, malloryLine)
	good := mustSign(t, testStatement(), ops)

	claimed := testStatement()
	claimed.Approver = "ops-lead@example.com"
	byMallory := mustSign(t, claimed, mallory)

	tampered := good
	tampered.Statement = strings.Replace(good.Statement, "patches: all", "patches: openssl:9", 1)

	gitSig, err := sshsig.Sign(strings.NewReader(good.Statement), ops, sshsig.HashSHA512, "git")
	require.NoError(t, err)
	otherNamespace := Signed{Statement: good.Statement, Signature: string(sshsig.Armor(gitSig))}

	for name, c := range map[string]struct {
		in   Signed
		want string
	}{
		"unsigned":                  {Signed{Statement: good.Statement}, "no signed statement"},
		"a key of another approver": {byMallory, "is not listed for ops-lead@example.com"},
		"a changed statement":       {tampered, "does not verify"},
		"another namespace":         {otherNamespace, `made for namespace "git"`},
		"garbage signature":         {Signed{Statement: good.Statement, Signature: "hello"}, "not an armored SSH signature"},
	} {
		_, err := Verify(c.in, signers, testNow)
		require.ErrorContains(t, err, c.want, name)
	}
}

// keyPair keeps one key so that the same key can be listed with and
// without options.
type keyPair struct {
	signer ssh.Signer
	pub    string
}

func (k keyPair) line(principal string) string { return principal + " " + k.pub }

var keyPairs = map[string]keyPair{}

func signerFor(t *testing.T, principal string) keyPair {
	if k, ok := keyPairs[principal]; ok {
		return k
	}
	s, l := newEd25519(t, principal)
	k := keyPair{signer: s, pub: strings.TrimPrefix(l, principal+" ")}
	keyPairs[principal] = k
	return k
}

// A key limited to other namespaces, or outside its validity, does not
// sign approvals; the same key without those limits does.
func TestVerifyHonoursNamespacesAndValidity(t *testing.T) {
	limited := signerFor(t, "limited@example.com")
	retired := signerFor(t, "retired@example.com")
	for _, c := range []struct {
		who     string
		k       keyPair
		options string
	}{{"limited@example.com", limited, `namespaces="git"`}, {"retired@example.com", retired, `valid-before="20261101Z"`}} {
		st := testStatement()
		st.Approver = c.who
		line := c.who + " " + c.options + " " + c.k.pub
		signed := mustSign(t, st, c.k.signer)
		_, err := Verify(signed, mustSigners(t, line), testNow)
		require.ErrorContains(t, err, "is not listed for "+c.who)
		_, err = Verify(signed, mustSigners(t, c.k.line(c.who)), testNow)
		require.NoError(t, err, "the same key without %s", c.options)
	}
	st := testStatement()
	st.Approver = "retired@example.com"
	line := `retired@example.com namespaces="git,fleetpatch-approval",valid-after="20261101" ` + retired.pub
	_, err := Verify(mustSign(t, st, retired.signer), mustSigners(t, line), testNow)
	require.NoError(t, err)
}

func TestVerifyRefusesSHA1RSASignatures(t *testing.T) {
	st := testStatement()
	s, line := newEd25519(t, st.Approver)
	signed := mustSign(t, st, s)
	block, _ := pem.Decode([]byte(signed.Signature))
	sig, err := sshsig.ParseSignature(block.Bytes)
	require.NoError(t, err)
	sig.Signature.Format = ssh.KeyAlgoRSA
	signed.Signature = string(sshsig.Armor(sig))
	_, err = Verify(signed, mustSigners(t, line), testNow)
	require.ErrorContains(t, err, "ssh-rsa (SHA-1)")
}

// skEd25519 builds a sk-ssh-ed25519@openssh.com public key and signs as a
// FIDO authenticator would (PROTOCOL.u2f: the signed data is
// SHA256(application) || flags || counter || SHA256(message)), so that the
// hardware-key path of x/crypto/ssh is exercised without a device.
type skEd25519 struct {
	priv ed25519.PrivateKey
	pub  ssh.PublicKey
}

func newSKEd25519(t *testing.T) skEd25519 {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	wire := ssh.Marshal(struct {
		Type, Key, Application string
	}{ssh.KeyAlgoSKED25519, string(pub), "ssh:"})
	k, err := ssh.ParsePublicKey(wire)
	require.NoError(t, err)
	return skEd25519{priv: priv, pub: k}
}

func (k skEd25519) sign(t *testing.T, data []byte, flags byte) *ssh.Signature {
	app := sha256.Sum256([]byte("ssh:"))
	msg := sha256.Sum256(data)
	var signed bytes.Buffer
	signed.Write(app[:])
	signed.Write([]byte{flags, 0, 0, 0, 7})
	signed.Write(msg[:])
	return &ssh.Signature{Format: ssh.KeyAlgoSKED25519, Blob: ed25519.Sign(k.priv, signed.Bytes()),
		Rest: ssh.Marshal(struct {
			Flags   byte
			Counter uint32
		}{flags, 7})}
}

// Sign for the sk key: implements ssh.Signer.
type skSigner struct {
	t     *testing.T
	k     skEd25519
	flags byte
}

func (s skSigner) PublicKey() ssh.PublicKey { return s.k.pub }
func (s skSigner) Sign(_ io.Reader, data []byte) (*ssh.Signature, error) {
	return s.k.sign(s.t, data, s.flags), nil
}

func TestVerifyAcceptsHardwareKeysWithUserPresenceOnly(t *testing.T) {
	k := newSKEd25519(t)
	st := testStatement()
	line := st.Approver + " " + strings.TrimSpace(string(ssh.MarshalAuthorizedKey(k.pub)))
	signers := mustSigners(t, line)
	touched := mustSign(t, st, skSigner{t, k, 0x01})
	v, err := Verify(touched, signers, testNow)
	require.NoError(t, err)
	require.Equal(t, ssh.KeyAlgoSKED25519, v.KeyType)
	untouched := mustSign(t, st, skSigner{t, k, 0x00})
	_, err = Verify(untouched, signers, testNow)
	require.ErrorContains(t, err, "does not verify")
}

func TestAllowedSignersParsing(t *testing.T) {
	k := signerFor(t, "a@example.com")
	s, err := ParseAllowedSigner(`"a@example.com,b@example.com" namespaces="fleetpatch-approval",valid-after="202611010000Z" ` + k.pub + " laptop")
	require.NoError(t, err)
	require.Equal(t, []string{"a@example.com", "b@example.com"}, s.Principals)
	require.Equal(t, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), s.ValidAfter)
	require.True(t, s.SignsFor("B@example.com", testNow))
	for line, want := range map[string]string{
		"*@example.com " + k.pub:                              "is a pattern",
		"a@example.com cert-authority " + k.pub:               "cert-authority keys are not supported",
		"a@example.com":                                       "no public key",
		"a@example.com nope=1 " + k.pub:                       "unknown option",
		`a@example.com valid-before="soon" ` + k.pub:          "is not YYYYMMDD",
		"a@example.com " + k.pub + "\nb@example.com " + k.pub: "one signer per line",
	} {
		_, err := ParseAllowedSigner(line)
		require.ErrorContains(t, err, want, line)
	}
	lines, numbers, errs := ReadAllowedSigners(strings.NewReader("# team keys\n\n" + k.line("a@example.com") + "\nbroken line\n"))
	require.Equal(t, []string{k.line("a@example.com")}, lines)
	require.Equal(t, []int{3}, numbers)
	require.Len(t, errs, 1)
	require.ErrorContains(t, errs[0], "line 4:")
}

package approval

import (
	"bytes"
	"fmt"
	"time"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// MaxSignatureBytes bounds an armored signature.
const MaxSignatureBytes = 16 << 10

// Signed is a statement with its signature: the payload of the approve
// and reject updates and signals.
type Signed struct {
	// Statement is the canonical statement text, exactly as signed.
	Statement string `json:"statement"`
	// Signature is the armored SSH signature (-----BEGIN SSH SIGNATURE-----),
	// as `ssh-keygen -Y sign -n fleetpatch-approval` writes it.
	Signature string `json:"signature"`
}

// Verified is a statement whose signature checked out against a key
// listed for its approver.
type Verified struct {
	Statement Statement
	// KeyType and Fingerprint (SHA256:…) name the key that signed.
	KeyType     string
	Fingerprint string
}

// Verify parses the statement and checks that the signature is an SSHSIG
// signature, in the fleetpatch-approval namespace, over the statement's
// exact bytes, by a key that signers list for the statement's approver at
// time at. It does not check what the statement is for (see Expectation).
func Verify(s Signed, signers []AllowedSigner, at time.Time) (Verified, error) {
	if s.Statement == "" || s.Signature == "" {
		return Verified{}, fmt.Errorf("no signed statement: the payload needs \"statement\" and \"signature\" (see review --statement)")
	}
	st, err := Parse(s.Statement)
	if err != nil {
		return Verified{}, err
	}
	if len(s.Signature) > MaxSignatureBytes {
		return Verified{}, fmt.Errorf("signature: longer than %d bytes", MaxSignatureBytes)
	}
	sig, err := sshsig.Unarmor([]byte(s.Signature))
	if err != nil {
		return Verified{}, fmt.Errorf("signature: not an armored SSH signature: %v", err)
	}
	if sig.Namespace != Namespace {
		return Verified{}, fmt.Errorf("signature: made for namespace %q, not %q (sign with -n %s)", sig.Namespace, Namespace, Namespace)
	}
	if sig.Signature.Format == ssh.KeyAlgoRSA {
		return Verified{}, fmt.Errorf("signature: ssh-rsa (SHA-1) signatures are refused; sign with rsa-sha2-512")
	}
	fp := ssh.FingerprintSHA256(sig.PublicKey)
	var key ssh.PublicKey
	for _, a := range signers {
		if a.SignsFor(st.Approver, at) && ssh.FingerprintSHA256(a.Key) == fp {
			key = a.Key
			break
		}
	}
	if key == nil {
		// One message whether or not the principal has keys: a refusal
		// must not tell a caller who the approvers are.
		return Verified{}, fmt.Errorf("signature: key %s is not listed for %s (or not valid at %s)", fp, st.Approver, at.UTC().Format(time.RFC3339))
	}
	if err := sshsig.Verify(bytes.NewReader([]byte(s.Statement)), sig, key, sig.HashAlgorithm, Namespace); err != nil {
		return Verified{}, fmt.Errorf("signature: does not verify over this statement with key %s: %v", fp, err)
	}
	return Verified{Statement: st, KeyType: key.Type(), Fingerprint: fp}, nil
}

// Inspect reads a signed statement without verifying the signature: the
// statement and the key that claims to have signed it. Workflow code uses
// it to apply a decision whose validator already verified it, so that a
// replayed history applies the decision it accepted then, whatever the
// verification rules of the code that replays it.
func Inspect(s Signed) (Verified, error) {
	st, err := Parse(s.Statement)
	if err != nil {
		return Verified{}, err
	}
	sig, err := sshsig.Unarmor([]byte(s.Signature))
	if err != nil {
		return Verified{}, fmt.Errorf("signature: not an armored SSH signature: %v", err)
	}
	return Verified{Statement: st, KeyType: sig.PublicKey.Type(), Fingerprint: ssh.FingerprintSHA256(sig.PublicKey)}, nil
}

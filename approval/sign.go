package approval

import (
	"bytes"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// Sign signs the statement's canonical form with signer, as
// `ssh-keygen -Y sign -n fleetpatch-approval` does (SHA-512 message hash;
// RSA keys sign with rsa-sha2-512). The signer may be a key file or an
// ssh-agent key (golang.org/x/crypto/ssh/agent).
func Sign(st Statement, signer ssh.Signer) (Signed, error) {
	text := st.Canonical()
	sig, err := sshsig.Sign(bytes.NewReader(text), signer, sshsig.HashSHA512, Namespace)
	if err != nil {
		return Signed{}, err
	}
	return Signed{Statement: string(text), Signature: string(sshsig.Armor(sig))}, nil
}

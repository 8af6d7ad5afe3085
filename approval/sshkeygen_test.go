package approval

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// sshKeygen returns the path of OpenSSH's ssh-keygen. Without it the test
// skips and says so; under CI=true (where .ci/run installs openssh-client)
// it fails instead.
func sshKeygen(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ssh-keygen")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("ssh-keygen not found; .ci/run installs openssh-client")
		}
		t.Skip("ssh-keygen not found (apt-get install openssh-client); skipping the OpenSSH interoperability test")
	}
	return p
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), out)
	return string(out)
}

// Statements signed by `ssh-keygen -Y sign` verify here, and statements
// signed here verify with `ssh-keygen -Y verify`, for each key type
// ssh-keygen can make without hardware.
func TestOpenSSHInteroperability(t *testing.T) {
	keygen := sshKeygen(t)
	for _, typ := range []string{"ed25519", "ecdsa", "rsa"} {
		dir := t.TempDir()
		key := filepath.Join(dir, "id_"+typ)
		run(t, keygen, "-q", "-t", typ, "-N", "", "-C", "ops-lead laptop", "-f", key)
		pub, err := os.ReadFile(key + ".pub")
		require.NoError(t, err)
		st := testStatement()
		line := st.Approver + " " + strings.TrimSpace(string(pub))
		signers := mustSigners(t, line)

		// ssh-keygen signs, we verify.
		stmtFile := filepath.Join(dir, "statement.txt")
		require.NoError(t, os.WriteFile(stmtFile, st.Canonical(), 0o600))
		run(t, keygen, "-Y", "sign", "-f", key, "-n", Namespace, stmtFile)
		sig, err := os.ReadFile(stmtFile + ".sig")
		require.NoError(t, err)
		v, err := Verify(Signed{Statement: string(st.Canonical()), Signature: string(sig)}, signers, testNow)
		require.NoError(t, err, typ)
		require.Equal(t, st.Approver, v.Statement.Approver)

		// We sign, ssh-keygen verifies.
		privPEM, err := os.ReadFile(key)
		require.NoError(t, err)
		signer, err := ssh.ParsePrivateKey(privPEM)
		require.NoError(t, err)
		signed := mustSign(t, st, signer)
		allowed := filepath.Join(dir, "allowed_signers")
		require.NoError(t, os.WriteFile(allowed, []byte(line+"\n"), 0o600))
		ours := filepath.Join(dir, "ours.sig")
		require.NoError(t, os.WriteFile(ours, []byte(signed.Signature), 0o600))
		cmd := exec.Command(keygen, "-Y", "verify", "-f", allowed, "-I", st.Approver, "-n", Namespace, "-s", ours)
		cmd.Stdin = strings.NewReader(signed.Statement)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "ssh-keygen -Y verify (%s): %s", typ, out)
		require.Contains(t, string(out), `Good "fleetpatch-approval" signature for ops-lead@example.com`)
	}
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
	"golang.org/x/term"

	"github.com/fleetpatch/fleetpatch/approval"
	"github.com/fleetpatch/fleetpatch/workflows"
)

// defaultValidity is how long a statement made by the CLI stays valid:
// long enough for the next install window of the week.
const defaultValidity = 7 * 24 * time.Hour

// statementFlags say what a statement decides; approve, reject and
// review --statement share them.
type statementFlags struct {
	approver string
	expires  string
	comment  string
	start    string
	patches  multiFlag
}

func (f *statementFlags) register(fs *flag.FlagSet, approve bool) {
	fs.StringVar(&f.approver, "approver", envOr("FLEETPATCH_APPROVER", ""), "your principal, as the group's approvers list it (env FLEETPATCH_APPROVER)")
	fs.StringVar(&f.expires, "expires", "", "when the statement stops being valid: a duration from now (e.g. 72h) or an RFC 3339 time (default 7 days, at most 14)")
	if approve {
		fs.StringVar(&f.comment, "comment", "", "comment for the audit trail (e.g. a change ticket)")
		fs.StringVar(&f.start, "start", "", "when to install once approved: window or now (default: what the cycle proposes)")
		fs.Var(&f.patches, "patch", "approve only this patch ID (repeatable); default all")
	}
}

// multiFlag collects a repeated flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// statement builds the statement for the run's sign request.
func (f *statementFlags) statement(sign *workflows.SignRequest, decision approval.Decision, now time.Time) (approval.Statement, error) {
	if f.approver == "" {
		return approval.Statement{}, errors.New("--approver is required")
	}
	expires := now.Add(defaultValidity)
	if f.expires != "" {
		if d, err := time.ParseDuration(f.expires); err == nil {
			expires = now.Add(d)
		} else if t, err := time.Parse(time.RFC3339, f.expires); err == nil {
			expires = t
		} else {
			return approval.Statement{}, fmt.Errorf("--expires %q is neither a duration (72h) nor an RFC 3339 time", f.expires)
		}
	}
	st := approval.Statement{Namespace: sign.Namespace, Workflow: sign.Workflow, Run: sign.Run, Decision: decision,
		Approver: f.approver, Digest: sign.Digest, Expires: expires.UTC().Truncate(time.Second), Comment: strings.TrimSpace(f.comment)}
	if decision == approval.Approve {
		st.Start = sign.Start
		if f.start != "" {
			st.Start = approval.Start(f.start)
		}
		if len(f.patches) > 0 {
			st.Patches = slices.Compact(slices.Sorted(slices.Values(f.patches)))
		}
	}
	return st, st.Validate()
}

// signFlags say how a statement gets its signature: a key, or a statement
// and signature made elsewhere (ssh-keygen -Y sign on another machine).
type signFlags struct {
	key       string
	statement string
	signature string
	print     bool
}

func (f *signFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.key, "key", "", "sign with this private key file, or with the ssh-agent key whose public key is this .pub file")
	fs.StringVar(&f.statement, "statement", "", "send this statement file (made by review --statement) with --signature instead of signing here")
	fs.StringVar(&f.signature, "signature", "", "the signature of --statement (ssh-keygen -Y sign -n fleetpatch-approval writes FILE.sig)")
	fs.BoolVar(&f.print, "print", false, "print the signed JSON payload (for the Temporal CLI or the Web UI) instead of sending it")
}

// signed returns the payload: the pre-signed files, or st signed with the key.
func (f *signFlags) signed(st func() (approval.Statement, error)) (approval.Signed, error) {
	if f.statement != "" || f.signature != "" {
		if f.statement == "" || f.signature == "" || f.key != "" {
			return approval.Signed{}, errors.New("--statement and --signature go together, without --key")
		}
		text, err := os.ReadFile(f.statement)
		if err != nil {
			return approval.Signed{}, err
		}
		sig, err := os.ReadFile(f.signature)
		if err != nil {
			return approval.Signed{}, err
		}
		return approval.Signed{Statement: string(text), Signature: string(sig)}, nil
	}
	if f.key == "" {
		return approval.Signed{}, errors.New("--key (or --statement and --signature) is required: approvals are signed")
	}
	signer, err := loadSigner(f.key)
	if err != nil {
		return approval.Signed{}, err
	}
	s, err := st()
	if err != nil {
		return approval.Signed{}, err
	}
	return approval.Sign(s, signer)
}

// loadSigner reads a private key file (asking for its passphrase on a
// terminal), or finds in ssh-agent the key of a public key file, as
// ssh-keygen -Y sign -f does.
func loadSigner(path string) (ssh.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if pub, _, _, _, err := ssh.ParseAuthorizedKey(b); err == nil {
		return agentSigner(pub)
	}
	signer, err := ssh.ParsePrivateKey(b)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if !term.IsTerminal(int(os.Stdin.Fd())) {
			return nil, fmt.Errorf("%s is encrypted: add it to ssh-agent (ssh-add) and pass its .pub file", path)
		}
		fmt.Fprintf(os.Stderr, "passphrase for %s: ", path)
		pass, rerr := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(os.Stderr)
		if rerr != nil {
			return nil, rerr
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(b, pass)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return signer, nil
}

func agentSigner(pub ssh.PublicKey) (ssh.Signer, error) {
	sock := os.Getenv("SSH_AUTH_SOCK")
	if sock == "" {
		return nil, errors.New("a public key file needs ssh-agent, and SSH_AUTH_SOCK is not set")
	}
	conn, err := net.Dial("unix", sock)
	if err != nil {
		return nil, fmt.Errorf("ssh-agent: %v", err)
	}
	signers, err := agent.NewClient(conn).Signers()
	if err != nil {
		return nil, fmt.Errorf("ssh-agent: %v", err)
	}
	want := ssh.FingerprintSHA256(pub)
	for _, s := range signers {
		if ssh.FingerprintSHA256(s.PublicKey()) == want {
			return s, nil
		}
	}
	return nil, fmt.Errorf("ssh-agent holds no key %s (ssh-add it first)", want)
}

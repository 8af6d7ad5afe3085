// Package devpolicy makes the dev stack's copy of a policy: every approval
// group's approvers get an ed25519 key made in a data directory (never in
// the repository), and every group that installs allows on-demand runs.
// The dev stack, the CLI's end-to-end tests and the chaos suite use it.
package devpolicy

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/crypto/ssh"
	"gopkg.in/yaml.v3"

	"github.com/fleetpatch/fleetpatch/policy"
)

// Policy is the dev copy of a policy: its folder, and each approver's
// private key file.
type Policy struct {
	// Path is the folder of the rewritten policy files.
	Path string
	// Keys maps each approver to its private key file.
	Keys map[string]string
	// approvers lists each approval group's approvers.
	approvers map[string][]string
}

// Approver is the first approver of group, or "" for a group without
// approvals.
func (dp Policy) Approver(group string) string {
	if a := dp.approvers[group]; len(a) > 0 {
		return a[0]
	}
	return ""
}

// Make rewrites the policy at src into dir/policy, with keys in
// dir/approvers. Existing keys are kept, so a restarted stack can still
// approve the cycles it left waiting.
func Make(src, dir string, opts ...Option) (Policy, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	pol, err := policy.Load(src)
	if err != nil {
		return Policy{}, fmt.Errorf("policy %s:\n%w", src, err)
	}
	dp := Policy{Path: filepath.Join(dir, "policy"), Keys: map[string]string{}, approvers: map[string][]string{}}
	var signers []string
	for _, g := range pol.Groups {
		if g.Approval == nil {
			continue
		}
		dp.approvers[g.Name] = g.Approval.Approvers
		for _, who := range g.Approval.Approvers {
			if _, done := dp.Keys[who]; done {
				continue
			}
			key, line, err := devKey(filepath.Join(dir, "approvers"), who)
			if err != nil {
				return Policy{}, err
			}
			dp.Keys[who] = key
			signers = append(signers, line)
		}
	}
	slices.Sort(signers)
	if err := os.RemoveAll(dp.Path); err != nil {
		return Policy{}, err
	}
	if err := os.MkdirAll(dp.Path, 0o755); err != nil {
		return Policy{}, err
	}
	allowed := filepath.Join(dp.Path, "dev.allowed_signers")
	if err := os.WriteFile(allowed, []byte(strings.Join(signers, "\n")+"\n"), 0o644); err != nil {
		return Policy{}, err
	}
	for _, f := range pol.Files() {
		if err := rewritePolicyFile(f, filepath.Join(dp.Path, filepath.Base(f)), filepath.Base(allowed), o); err != nil {
			return Policy{}, err
		}
	}
	if err := copyCalendars(pol, src, dp.Path); err != nil {
		return Policy{}, err
	}
	if _, err := policy.Load(dp.Path); err != nil {
		return Policy{}, fmt.Errorf("the dev copy of the policy (%s) does not load:\n%w", dp.Path, err)
	}
	return dp, nil
}

// Option changes the dev copy.
type Option func(*options)

type options struct{ withoutFreezes bool }

// WithoutFreezes drops every group's change freezes from the copy, so
// that tests install whatever the date (the calendars stay defined).
func WithoutFreezes() Option { return func(o *options) { o.withoutFreezes = true } }

// copyCalendars copies the freezes' iCalendar files named relative to the
// policy's folder into the copy's folder.
func copyCalendars(pol *policy.Policy, src, dst string) error {
	base := src
	if st, err := os.Stat(src); err == nil && !st.IsDir() {
		base = filepath.Dir(src)
	}
	for _, name := range slices.Sorted(maps.Keys(pol.Freezes)) {
		ics := pol.Freezes[name].ICS
		if ics == "" || filepath.IsAbs(ics) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(base, ics))
		if err != nil {
			return err
		}
		out := filepath.Join(dst, ics)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// devKey returns the private key file of principal in dir and its
// allowed_signers line, making the key the first time.
func devKey(dir, principal string) (string, string, error) {
	path := filepath.Join(dir, principal)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		_, priv, gerr := ed25519.GenerateKey(rand.Reader)
		if gerr != nil {
			return "", "", gerr
		}
		block, merr := ssh.MarshalPrivateKey(priv, principal+" (fleetpatch dev)")
		if merr != nil {
			return "", "", merr
		}
		b = pem.EncodeToMemory(block)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", "", err
		}
		err = os.WriteFile(path, b, 0o600)
	}
	if err != nil {
		return "", "", err
	}
	signer, err := ssh.ParsePrivateKey(b)
	if err != nil {
		return "", "", fmt.Errorf("%s: %v", path, err)
	}
	pub := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(signer.PublicKey())))
	if err := os.WriteFile(path+".pub", []byte(pub+" "+principal+"\n"), 0o644); err != nil {
		return "", "", err
	}
	return path, principal + ` namespaces="fleetpatch-approval" ` + pub, nil
}

// rewritePolicyFile copies one policy file, pointing every approval group
// at the dev allowed_signers file (its own keys dropped) and letting every
// group that installs run on demand. Comments and layout are kept.
func rewritePolicyFile(src, dst, allowedSigners string, o options) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("%s: %v", src, err)
	}
	if groups := mappingValue(docRoot(&doc), "groups"); groups != nil && groups.Kind == yaml.SequenceNode {
		for _, g := range groups.Content {
			if g.Kind != yaml.MappingNode {
				continue
			}
			if mode := mappingValue(g, "mode"); mode != nil && mode.Value != string(policy.ModeScanOnly) {
				setScalar(g, "onDemand", "true", "!!bool")
			}
			if o.withoutFreezes {
				deleteKey(g, "freezes")
			}
			if a := mappingValue(g, "approval"); a != nil && a.Kind == yaml.MappingNode {
				deleteKey(a, "keys")
				setScalar(a, "allowedSigners", allowedSigners, "!!str")
			}
		}
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, out, 0o644)
}

func docRoot(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0]
	}
	return doc
}

func mappingValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func setScalar(m *yaml.Node, key, value, tag string) {
	if v := mappingValue(m, key); v != nil {
		*v = yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
		return
	}
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: key},
		&yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value})
}

func deleteKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			return
		}
	}
}

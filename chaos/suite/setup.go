package suite

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/internal/devpolicy"
)

// group is the one patch group of a chaos run: every server of the fleet.
const group = "chaos"

// approver signs the run's approval with the key devpolicy makes.
const approver = "chaos-approver@example.com"

// maxErrors is the group's error budget, as a percentage.
const maxErrors = 20

// makeFleet generates the fleet (every server in the chaos group) and
// saves it where fleetsim loads it.
func makeFleet(cfg Config, path string) error {
	fc := cloudsim.Config{Seed: cfg.Seed, Instances: cfg.Servers, Groups: []cloudsim.Share{{Key: group, Weight: 1}}}
	if cfg.Fast {
		fc.Timing = &cloudsim.Timing{Scan: time.Second, InstallPerPackage: 100 * time.Millisecond, Reboot: 2 * time.Second, RebootMaxWait: 20 * time.Second}
	}
	return cloudsim.Generate(fc).Save(path)
}

// makePolicy writes the chaos policy: the example's baselines and targets,
// one approval group over the whole fleet with an install window of
// cfg.Window, and the dev copy with the approver's key.
func makePolicy(cfg Config) (devpolicy.Policy, error) {
	src := filepath.Join(cfg.Dir, "policy-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return devpolicy.Policy{}, err
	}
	for _, f := range []string{"baselines.yaml", "targets.yaml"} {
		b, err := os.ReadFile(filepath.Join(cfg.Repo, "deployments", "examples", "policy", f))
		if err != nil {
			return devpolicy.Policy{}, err
		}
		if err := os.WriteFile(filepath.Join(src, f), b, 0o644); err != nil {
			return devpolicy.Policy{}, err
		}
	}
	cutoff := cfg.Window / 5
	windows := fmt.Sprintf(`windows:
  - {name: chaos-scan, cron: "0 1 * * SUN", duration: 2h}
  - {name: chaos-install, cron: "0 3 * * SUN", duration: %dm, cutoff: %dm}
`, int(cfg.Window.Minutes()), int(cutoff.Minutes()))
	groups := fmt.Sprintf(`groups:
  - name: %s
    selector: {tags: {PatchGroup: %s}}
    baselines: {UBUNTU: ubuntu-nonprod, AMAZON_LINUX_2: al2-nonprod, AMAZON_LINUX_2023: al2023-nonprod, WINDOWS: windows-nonprod}
    mode: approval
    reboot: RebootIfNeeded
    rollout: {canary: 1, maxConcurrency: 10%%, maxErrors: %d%%}
    approval:
      approvers: [%s]
      allowedSigners: placeholder.allowed_signers
      timeout: 1h
      installStart: immediately
    onDemand: true
    windows: {scan: chaos-scan, install: chaos-install}
`, group, group, maxErrors, approver)
	for name, text := range map[string]string{"windows.yaml": windows, "groups.yaml": groups} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(text), 0o644); err != nil {
			return devpolicy.Policy{}, err
		}
	}
	// The source policy must load, so the approver needs a key there too;
	// devpolicy replaces it with the key it makes in cfg.Dir/approvers.
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return devpolicy.Policy{}, err
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return devpolicy.Policy{}, err
	}
	line := approver + " " + string(ssh.MarshalAuthorizedKey(signer.PublicKey()))
	if err := os.WriteFile(filepath.Join(src, "placeholder.allowed_signers"), []byte(line), 0o644); err != nil {
		return devpolicy.Policy{}, err
	}
	return devpolicy.Make(src, cfg.Dir)
}

package policy

import (
	"fmt"
	"regexp"
	"time"
)

// Hook limits and defaults.
const (
	// DefaultHookTimeout bounds a hook without a timeout of its own.
	DefaultHookTimeout = 10 * time.Minute
	maxHookTimeout     = 2 * time.Hour
	// minSnapshotRetain and maxSnapshotRetain bound snapshot.retain.
	minSnapshotRetain = day
	maxSnapshotRetain = 366 * day
)

// ssmDocumentName is the form of an SSM document name or ARN.
var ssmDocumentName = regexp.MustCompile(`^(arn:aws[\w-]*:ssm:[\w-]*:\d{0,12}:document/)?[a-zA-Z0-9_.:/-]{3,128}$`)

// hookName is the form of a hook's name (it names commands and report rows).
var hookName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$`)

// TimeoutOrDefault is the hook's timeout, or DefaultHookTimeout.
func (h Hook) TimeoutOrDefault() time.Duration {
	if h.Timeout.D() > 0 {
		return h.Timeout.D()
	}
	return DefaultHookTimeout
}

// Failure is the hook's onFailure, or HookSkipInstance.
func (h Hook) Failure() HookOnFailure {
	if h.OnFailure == "" {
		return HookSkipInstance
	}
	return h.OnFailure
}

// Stages lists the hooks by stage name, in the order a batch runs them.
func (h *Hooks) Stages() []HookStage {
	if h == nil {
		return nil
	}
	return []HookStage{{StagePreInstall, h.PreInstall}, {StagePostReboot, h.PostReboot}, {StagePostInstall, h.PostInstall}}
}

// HookStage is one stage's hooks.
type HookStage struct {
	Name  string
	Hooks []Hook
}

// Hook stages.
const (
	StagePreInstall  = "preInstall"
	StagePostReboot  = "postReboot"
	StagePostInstall = "postInstall"
)

// Stage returns the named stage's hooks.
func (h *Hooks) Stage(name string) []Hook {
	for _, s := range h.Stages() {
		if s.Name == name {
			return s.Hooks
		}
	}
	return nil
}

// validateGroupSafety checks the group's freezes, hooks and snapshot
// settings.
func (p *Policy) validateGroupSafety(c *collector, path string, g *Group, installs bool) {
	for i, f := range g.Freezes {
		if p.Freezes[f] == nil {
			c.add(fmt.Sprintf("%s.freezes[%d]", path, i), "freeze %q is not defined", f)
		}
	}
	if g.Hooks != nil {
		if !installs {
			c.add(path+".hooks", "is only for groups that install, not scan-only ones")
		}
		for _, st := range g.Hooks.Stages() {
			seen := map[string]bool{}
			for i, h := range st.Hooks {
				hp := fmt.Sprintf("%s.hooks.%s[%d]", path, st.Name, i)
				validateHook(c, hp, h)
				if seen[h.Name] {
					c.add(hp+".name", "%q is used twice in %s", h.Name, st.Name)
				}
				seen[h.Name] = true
			}
		}
	}
	if s := g.Snapshot; s != nil {
		sp := path + ".snapshot"
		if !installs {
			c.add(sp, "is only for groups that install, not scan-only ones")
		}
		if s.Before != "install" {
			c.add(sp+".before", "%q is not install (snapshots are taken before each batch installs)", s.Before)
		}
		if r := s.Retain.D(); r < minSnapshotRetain || r > maxSnapshotRetain {
			c.add(sp+".retain", "must be between 1d and 366d (snapshots cost storage until the clean-up deletes them)")
		}
	}
}

func validateHook(c *collector, path string, h Hook) {
	if !hookName.MatchString(h.Name) {
		c.add(path+".name", "%q must be letters, digits, '.', '_' and '-', up to 63 characters", h.Name)
	}
	switch {
	case h.Document == "" && h.Linux == "" && h.Windows == "":
		c.add(path, "needs an SSM document, a linux script or a windows script")
	case h.Document != "" && !ssmDocumentName.MatchString(h.Document):
		c.add(path+".document", "%q is not an SSM document name or ARN", h.Document)
	}
	if len(h.Parameters) > 0 && h.Document == "" {
		c.add(path+".parameters", "are the SSM document's inputs: set document too")
	}
	if h.Timeout.D() < 0 || h.Timeout.D() > maxHookTimeout {
		c.add(path+".timeout", "must be between 0 (default %s) and %s", DefaultHookTimeout, maxHookTimeout)
	}
	switch h.OnFailure {
	case "", HookSkipInstance, HookHalt, HookContinue:
	default:
		c.add(path+".onFailure", "%q is not skip-instance, halt or continue", h.OnFailure)
	}
}

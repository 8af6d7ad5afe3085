package policy

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/fleetpatch/fleetpatch/fleet"
)

var (
	groupName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	emailLike = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	s3Bucket  = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	azAccount = regexp.MustCompile(`^https://[a-z0-9]{3,24}\.blob\.[a-z0-9.]+/?$`)
	azCont    = regexp.MustCompile(`^[a-z0-9](-?[a-z0-9]){2,62}$`)
)

// ValidGroupName reports whether name may name a patch group: lowercase
// letters, digits and '-', up to 63 characters (it is part of workflow IDs
// and artifact keys).
func ValidGroupName(name string) bool { return groupName.MatchString(name) }

// validateGroup checks one patch group and its references to windows,
// baselines and targets.
//
// Baseline coverage rule: every OS family in selector.os needs a baseline,
// and a group whose selector does not restrict os needs a baseline for all
// four families, so that no instance the selector may meet goes without a
// baseline (the cycle would otherwise have to guess).
func (p *Policy) validateGroup(c *collector, path string, g *Group) {
	if g.Name != "" && !groupName.MatchString(g.Name) {
		c.add(path+".name", "%q must be lowercase letters, digits and '-', up to 63 characters (it is part of workflow IDs)", g.Name)
	}
	installs := g.Mode != ModeScanOnly
	switch g.Mode {
	case ModeAuto, ModeApproval, ModeScanOnly:
	case "":
		c.add(path+".mode", "is required (auto, approval or scan-only)")
	default:
		c.add(path+".mode", "%q is not auto, approval or scan-only", g.Mode)
	}
	switch g.Reboot {
	case fleet.RebootIfNeeded, fleet.NoReboot:
	case "":
		if installs {
			c.add(path+".reboot", "is required (RebootIfNeeded or NoReboot)")
		}
	default:
		c.add(path+".reboot", "%q is not RebootIfNeeded or NoReboot", g.Reboot)
	}
	if installs {
		if g.Rollout.Canary.IsZero() {
			c.add(path+".rollout.canary", "must be at least 1 instance (or a percentage above 0%%) when the group installs")
		}
		if g.Rollout.MaxConcurrency.IsZero() {
			c.add(path+".rollout.maxConcurrency", "must be at least 1 instance (or a percentage above 0%%) when the group installs")
		}
	}
	p.validateApproval(c, path, g)
	p.validateRolloutTiming(c, path, g)
	validateMinPatchAge(c, path, g)
	validateLivePatch(c, path, g)
	validateAL2023Release(c, path, g, installs)
	if g.OnDemand && !installs {
		c.add(path+".onDemand", "is only for groups that install, not scan-only ones")
	}
	p.validateGroupWindows(c, path, g, installs)
	p.validateGroupSafety(c, path, g, installs)
	p.validateGroupBaselines(c, path, g)
	p.validateSelector(c, path+".selector", g.Selector)
	for i, r := range g.Reports {
		validateReport(c, fmt.Sprintf("%s.reports[%d]", path, i), r)
	}
	validateNotifications(c, path, g.Notifications)
	validateGroupChangeTicket(c, path, g)
}

func (p *Policy) validateApproval(c *collector, path string, g *Group) {
	a := g.Approval
	if g.Mode != ModeApproval {
		if a != nil {
			c.add(path+".approval", "is only for mode approval, not %q", g.Mode)
		}
		return
	}
	if a == nil {
		c.add(path+".approval", "is required for mode approval (approvers, keys or allowedSigners, timeout, installStart)")
		return
	}
	ap := path + ".approval"
	if len(a.Approvers) == 0 {
		c.add(ap+".approvers", "must list at least one approver")
	}
	seen := map[string]bool{}
	for i, who := range a.Approvers {
		f := fmt.Sprintf("%s.approvers[%d]", ap, i)
		switch {
		case !emailLike.MatchString(who):
			c.add(f, "%q is not an e-mail address", who)
		case seen[strings.ToLower(who)]:
			c.add(f, "%q is listed twice", who)
		}
		seen[strings.ToLower(who)] = true
	}
	switch {
	case a.Required < 0:
		c.add(ap+".required", "must be 1 or more")
	case a.Required > len(a.Approvers):
		c.add(ap+".required", "%d approvals needed but only %d approvers listed", a.Required, len(a.Approvers))
	}
	a.validateKeys(c, ap)
	if a.Timeout.D() <= 0 {
		c.add(ap+".timeout", "must be longer than 0 (e.g. 72h)")
	}
	switch a.InstallStart {
	case StartImmediately, StartAtWindow:
	case "":
		c.add(ap+".installStart", "is required (immediately or window)")
	default:
		c.add(ap+".installStart", "%q is not immediately or window", a.InstallStart)
	}
}

func (p *Policy) validateGroupWindows(c *collector, path string, g *Group, installs bool) {
	wp := path + ".windows"
	if g.Windows.Scan == "" {
		c.add(wp+".scan", "is required")
	} else if p.Windows[g.Windows.Scan] == nil {
		c.add(wp+".scan", "window %q is not defined", g.Windows.Scan)
	}
	switch {
	case g.Windows.Install == "" && installs:
		c.add(wp+".install", "is required unless mode is scan-only")
	case g.Windows.Install != "" && p.Windows[g.Windows.Install] == nil:
		c.add(wp+".install", "window %q is not defined", g.Windows.Install)
	}
}

func (p *Policy) validateGroupBaselines(c *collector, path string, g *Group) {
	bp := path + ".baselines"
	for _, os := range sortedKeys(g.Baselines) {
		name := g.Baselines[os]
		f := bp + "." + string(os)
		if !os.Valid() {
			c.add(f, "%q is not one of UBUNTU, AMAZON_LINUX_2, AMAZON_LINUX_2023, WINDOWS", os)
			continue
		}
		b := p.Baselines[name]
		switch {
		case b == nil:
			c.add(f, "baseline %q is not defined", name)
		case fleet.OSFamily(b.OperatingSystem) != os:
			c.add(f, "baseline %q is for %s, not %s", name, b.OperatingSystem, os)
		}
	}
	for _, os := range g.OSFamilies() {
		if _, ok := g.Baselines[os]; !ok && os.Valid() {
			why := "selector.os lists it"
			if len(g.Selector.OS) == 0 {
				why = "selector.os is empty, so the group may meet every OS family"
			}
			c.add(bp, "needs a baseline for %s (%s)", os, why)
		}
	}
}

func (p *Policy) validateSelector(c *collector, path string, s fleet.Selector) {
	if len(s.Tags) == 0 {
		c.add(path+".tags", "must name at least one tag (e.g. PatchGroup: <group>); an empty selector would select every instance")
	}
	for k := range s.Tags {
		if k == "" {
			c.add(path+".tags", "tag keys must not be empty")
		}
	}
	for i, cl := range s.Clouds {
		if cl != fleet.CloudAWS && cl != fleet.CloudAzure {
			c.add(fmt.Sprintf("%s.clouds[%d]", path, i), "%q is not aws or azure", cl)
		}
	}
	for i, os := range s.OS {
		if !os.Valid() {
			c.add(fmt.Sprintf("%s.os[%d]", path, i), "%q is not one of UBUNTU, AMAZON_LINUX_2, AMAZON_LINUX_2023, WINDOWS", os)
		}
	}
	for i, a := range s.Accounts {
		if !p.Targets.hasAccount(a) {
			c.add(fmt.Sprintf("%s.accounts[%d]", path, i), "%q is not an AWS account or Azure subscription in targets", a)
		}
	}
	for i, r := range s.Regions {
		if r == "" {
			c.add(fmt.Sprintf("%s.regions[%d]", path, i), "must not be empty")
		}
	}
}

func validateReport(c *collector, path string, r ReportDestination) {
	switch r.Type {
	case "file":
		if r.Path == "" {
			c.add(path+".path", "is required for type file")
		}
		unexpected(c, path, map[string]string{"bucket": r.Bucket, "prefix": r.Prefix, "region": r.Region, "accountUrl": r.AccountURL, "container": r.Container})
	case "s3":
		if !s3Bucket.MatchString(r.Bucket) {
			c.add(path+".bucket", "%q is not an S3 bucket name", r.Bucket)
		}
		if r.Region != "" && !awsRegion.MatchString(r.Region) {
			c.add(path+".region", "%q is not an AWS region name", r.Region)
		}
		unexpected(c, path, map[string]string{"path": r.Path, "accountUrl": r.AccountURL, "container": r.Container})
	case "azblob":
		if !azAccount.MatchString(r.AccountURL) {
			c.add(path+".accountUrl", "%q is not a blob service URL (https://<account>.blob.core.windows.net/)", r.AccountURL)
		}
		if !azCont.MatchString(r.Container) {
			c.add(path+".container", "%q is not a blob container name", r.Container)
		}
		unexpected(c, path, map[string]string{"path": r.Path, "bucket": r.Bucket, "region": r.Region})
	case "":
		c.add(path+".type", "is required (file, s3 or azblob)")
	default:
		c.add(path+".type", "%q is not file, s3 or azblob", r.Type)
	}
}

// unexpected reports fields set that the destination type does not use.
func unexpected(c *collector, path string, fields map[string]string) {
	for _, k := range sortedKeys(fields) {
		if fields[k] != "" {
			c.add(path+"."+k, "is not used by this report type")
		}
	}
}

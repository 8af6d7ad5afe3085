package policy

import (
	"fmt"
	"regexp"
	"strings"
)

var (
	awsAccountID = regexp.MustCompile(`^[0-9]{12}$`)
	// roleARN is an IAM role in any partition (aws, aws-cn, aws-us-gov);
	// the account is captured to compare with the target's id.
	roleARN   = regexp.MustCompile(`^arn:aws(-[a-z]+)*:iam::([0-9]{12}):role/[\w+=,.@/-]+$`)
	awsRegion = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$`)
	guid      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// resourceGroupName follows Azure's naming rule: 1-90 letters, digits,
	// '_', '-', '.', '(' and ')', not ending in '.'.
	resourceGroupName = regexp.MustCompile(`^[\w.()-]{0,89}[\w()-]$`)
)

// validateTargets checks AWS accounts (12-digit IDs, role ARNs in the same
// account, region names) and Azure subscriptions (GUIDs), that none is
// listed twice, and their request rates (validateRate).
func validateTargets(c *collector, t Targets) {
	seen := map[string]string{}
	for i, a := range t.AWS {
		path := fmt.Sprintf("targets.aws[%d]", i)
		if !awsAccountID.MatchString(a.ID) {
			c.add(path+".id", "%q is not a 12-digit AWS account ID", a.ID)
		} else if prev, dup := seen[a.ID]; dup {
			c.add(path+".id", "account %s is listed twice (also %s)", a.ID, prev)
		} else {
			seen[a.ID] = path
		}
		if a.RoleARN != "" {
			m := roleARN.FindStringSubmatch(a.RoleARN)
			switch {
			case m == nil:
				c.add(path+".roleArn", "%q is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)", a.RoleARN)
			case m[2] != a.ID:
				c.add(path+".roleArn", "role is in account %s, not in the target account %s", m[2], a.ID)
			}
		}
		if len(a.Regions) == 0 {
			c.add(path+".regions", "must list at least one region")
		}
		regions := map[string]bool{}
		for j, r := range a.Regions {
			if !awsRegion.MatchString(r) {
				c.add(fmt.Sprintf("%s.regions[%d]", path, j), "%q is not an AWS region name (e.g. eu-west-1)", r)
			} else if regions[r] {
				c.add(fmt.Sprintf("%s.regions[%d]", path, j), "%q is listed twice", r)
			}
			regions[r] = true
		}
		validateRate(c, path+".rates.ssm", a.Rates.SSM)
		validateRate(c, path+".rates.ec2", a.Rates.EC2)
	}
	for i, s := range t.Azure {
		path := fmt.Sprintf("targets.azure[%d]", i)
		id := strings.ToLower(s.ID)
		if !guid.MatchString(s.ID) {
			c.add(path+".id", "%q is not an Azure subscription ID (a GUID)", s.ID)
		} else if prev, dup := seen[id]; dup {
			c.add(path+".id", "subscription %s is listed twice (also %s)", s.ID, prev)
		} else {
			seen[id] = path
		}
		for j, rg := range s.ResourceGroups {
			if !resourceGroupName.MatchString(rg) {
				c.add(fmt.Sprintf("%s.resourceGroups[%d]", path, j), "%q is not a resource group name", rg)
			}
		}
		validateRate(c, path+".rates.armReads", s.Rates.ARMReads)
		validateRate(c, path+".rates.armWrites", s.Rates.ARMWrites)
	}
}

// MaxRatePerSecond and MaxRateBurst bound a target's request buckets:
// above them a bucket no longer paces anything (the clouds' own buckets
// refill at tens of requests a second and hold at most a few hundred).
const (
	MaxRatePerSecond = 1000
	MaxRateBurst     = 10000
)

// validateRate checks one request bucket: zero fields take the provider's
// default; a set rate is above 0 and at most MaxRatePerSecond, a set
// burst at least 1 and at most MaxRateBurst.
func validateRate(c *collector, path string, r RateLimit) {
	if r.PerSecond != 0 && !(r.PerSecond > 0 && r.PerSecond <= MaxRatePerSecond) {
		c.add(path+".perSecond", "%v requests per second is out of range: above 0 and at most %d (omit it for the default)", r.PerSecond, MaxRatePerSecond)
	}
	if r.Burst < 0 || r.Burst > MaxRateBurst {
		c.add(path+".burst", "burst %d is out of range: at least 1 and at most %d (omit it for the default)", r.Burst, MaxRateBurst)
	}
}

// hasAccount reports whether an AWS account or Azure subscription ID is a
// target.
func (t Targets) hasAccount(id string) bool {
	for _, a := range t.AWS {
		if a.ID == id {
			return true
		}
	}
	for _, s := range t.Azure {
		if strings.EqualFold(s.ID, id) {
			return true
		}
	}
	return false
}

package aws

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
)

var _ fleet.Provider = (*Provider)(nil)

// Provider implements fleet.Provider over AWS Systems Manager.
type Provider struct {
	cfg     Config
	base    aws.Config
	sts     *sts.Client
	s3      *s3.Client
	targets map[string]policy.AWSAccount

	mu       sync.Mutex
	accounts map[string]*account
	clients  map[place]*clientSet
	// where remembers the account and region of every node seen.
	where map[string]node
	// patches caches patch definitions by product and name (or KB).
	patches map[string]fleet.Patch
	// uploaded remembers the S3 keys written by this process.
	uploaded map[string]bool
}

// place is one account and region.
type place struct{ account, region string }

func (p place) String() string { return "account " + p.account + " region " + p.region }

// New returns a provider for the targets. It loads the default credential
// chain unless cfg.Base is set; it makes no AWS call.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if len(cfg.Targets) == 0 {
		return nil, errors.New("aws: no target accounts")
	}
	cfg = cfg.withDefaults()
	var base aws.Config
	if cfg.Base != nil {
		base = cfg.Base.Copy()
	} else {
		var err error
		if base, err = config.LoadDefaultConfig(ctx); err != nil {
			return nil, fmt.Errorf("aws: default credential chain: %w", err)
		}
	}
	if cfg.HomeRegion == "" {
		cfg.HomeRegion = base.Region
	}
	if cfg.HomeRegion == "" {
		cfg.HomeRegion = "us-east-1"
	}
	if cfg.BucketRegion == "" {
		cfg.BucketRegion = cfg.HomeRegion
	}
	p := &Provider{
		cfg: cfg, base: base, targets: map[string]policy.AWSAccount{},
		accounts: map[string]*account{}, clients: map[place]*clientSet{}, where: map[string]node{},
		patches: map[string]fleet.Patch{}, uploaded: map[string]bool{},
	}
	for _, t := range cfg.Targets {
		if t.ID == "" || len(t.Regions) == 0 {
			return nil, fmt.Errorf("aws: target %q needs an account ID and regions", t.ID)
		}
		p.targets[t.ID] = t
	}
	p.sts = sts.NewFromConfig(base, func(o *sts.Options) {
		o.Region = cfg.HomeRegion
		o.Retryer = p.retryer()()
		if cfg.Endpoints.STS != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoints.STS)
		}
	})
	p.s3 = s3.NewFromConfig(base, func(o *s3.Options) {
		o.Region = cfg.BucketRegion
		o.Retryer = p.retryer()()
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		if cfg.Endpoints.S3 != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoints.S3)
			o.UsePathStyle = true
		}
	})
	return p, nil
}

// places returns the target accounts and regions the selector allows, in
// the targets' order.
func (p *Provider) places(sel fleet.Selector) []place {
	var out []place
	for _, t := range p.cfg.Targets {
		if !allows(sel.Accounts, t.ID) {
			continue
		}
		for _, r := range t.Regions {
			if allows(sel.Regions, r) {
				out = append(out, place{t.ID, r})
			}
		}
	}
	return out
}

func allows(list []string, v string) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

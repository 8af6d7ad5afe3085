package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
)

// account is one target account's credentials: the assumed role, cached
// and refreshed before it expires.
type account struct {
	creds aws.CredentialsProvider
	role  string
}

// clientSet is the SSM and EC2 clients of one account and region.
type clientSet struct {
	place
	ssm *ssm.Client
	// ec2 is made with ssm (ec2client.go).
	ec2 *ec2.Client
	acc *account
}

// retryer is the SDK's retryer (adaptive by default): exponential backoff
// with jitter (and client-side rate adaptation on throttling), without the
// retry quota
// (a throttling storm must slow the worker down, not fail its calls).
func (p *Provider) retryer() func() aws.Retryer {
	std := func(so *retry.StandardOptions) {
		so.MaxAttempts = p.cfg.MaxAttempts
		so.MaxBackoff = p.cfg.MaxBackoff
		so.RateLimiter = ratelimit.None
	}
	return func() aws.Retryer {
		if p.cfg.RetryMode == aws.RetryModeStandard {
			return retry.NewStandard(std)
		}
		return retry.NewAdaptiveMode(func(o *retry.AdaptiveModeOptions) {
			o.StandardOptions = append(o.StandardOptions, std)
		})
	}
}

// accountOf returns the credentials of a target account: the assumed
// role, or the worker's own credentials when the target names no role.
func (p *Provider) accountOf(id string) *account {
	p.mu.Lock()
	defer p.mu.Unlock()
	if a := p.accounts[id]; a != nil {
		return a
	}
	t := p.targets[id]
	a := &account{creds: p.base.Credentials, role: t.RoleARN}
	if t.RoleARN != "" {
		a.creds = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(p.sts, t.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = p.cfg.SessionName
			if t.ExternalID != "" {
				o.ExternalID = aws.String(t.ExternalID)
			}
		}))
	}
	p.accounts[id] = a
	return a
}

// clientsFor returns the client set of an account and region, made on
// first use. Its SSM client waits on a token bucket of its own at the
// account's targets.aws[].rates.ssm (Config.Rate and Burst for the fields
// it leaves zero), so every account and region is paced apart, as AWS
// throttles them.
func (p *Provider) clientsFor(pl place) *clientSet {
	acc := p.accountOf(pl.account)
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.clients[pl]; c != nil {
		return c
	}
	rates := p.targets[pl.account].Rates
	limiter := p.cfg.bucket(rates.SSM)
	c := &clientSet{place: pl, acc: acc}
	c.ssm = ssm.NewFromConfig(p.base, func(o *ssm.Options) {
		o.Region = pl.region
		o.Credentials = acc.creds
		o.Retryer = p.retryer()()
		if p.cfg.Endpoints.SSM != "" {
			o.BaseEndpoint = aws.String(p.cfg.Endpoints.SSM)
		}
		o.APIOptions = append(o.APIOptions, rateLimit(limiter))
	})
	c.ec2 = p.newEC2(pl, acc, rates.EC2)
	p.clients[pl] = c
	return c
}

// credentials checks that the account's role can be assumed; the error
// explains why not. A refusal no retry can fix (AssumeRole answered
// AccessDenied: the role's trust policy, a wrong external ID, a role that
// does not exist) wraps fleet.ErrPermanent (see permanent): Discover then
// reports the account unreachable, the other calls fail with it.
func (c *clientSet) credentials(ctx context.Context) error {
	if c.acc.creds == nil {
		return fmt.Errorf("no AWS credentials for account %s", c.account)
	}
	if _, err := c.acc.creds.Retrieve(ctx); err != nil {
		if c.acc.role != "" {
			what := fmt.Sprintf("cannot assume role %s in account %s (for region %s)", c.acc.role, c.account, c.region)
			if pe := permanent(what, err); pe != nil {
				return pe
			}
			return fmt.Errorf("%s: %w", what, err)
		}
		return fmt.Errorf("no AWS credentials for account %s: %w", c.account, err)
	}
	return nil
}

// rateLimit adds a token-bucket wait to every attempt of every call
// (after the retry middleware, so that retries wait too). A wait that
// would outlast ctx's deadline fails at once, as rate.Limiter.Wait does,
// but with an error wrapping context.DeadlineExceeded (Wait's own is a
// plain one until the deadline's timer has fired), so that callers see
// the deadline they ran out of.
func rateLimit(l *rate.Limiter) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		mw := middleware.FinalizeMiddlewareFunc("FleetpatchRateLimit", func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if err := l.Wait(ctx); err != nil {
				if ctx.Err() == nil {
					err = fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
				}
				return middleware.FinalizeOutput{}, middleware.Metadata{}, err
			}
			return next.HandleFinalize(ctx, in)
		})
		if err := st.Finalize.Insert(mw, "Retry", middleware.After); err != nil {
			return st.Finalize.Add(mw, middleware.After)
		}
		return nil
	}
}

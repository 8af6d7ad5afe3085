package aws

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/fleetpatch/fleetpatch/policy"
)

// newEC2 returns the EC2 client of an account and region: the account's
// credentials, the provider's retryer, and a token bucket of its own at
// the account's targets.aws[].rates.ec2, Config.Rate and Burst for the
// fields it leaves zero (AWS throttles EC2 apart from SSM, per account
// and region: https://docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html),
// which every attempt waits for, and Config.Endpoints.EC2 when set.
func (p *Provider) newEC2(pl place, acc *account, l policy.RateLimit) *ec2.Client {
	limiter := p.cfg.bucket(l)
	return ec2.NewFromConfig(p.base, func(o *ec2.Options) {
		o.Region = pl.region
		o.Credentials = acc.creds
		o.Retryer = p.retryer()()
		if p.cfg.Endpoints.EC2 != "" {
			o.BaseEndpoint = aws.String(p.cfg.Endpoints.EC2)
		}
		o.APIOptions = append(o.APIOptions, rateLimit(limiter))
	})
}

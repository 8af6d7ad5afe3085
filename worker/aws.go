package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/fleetpatch/fleetpatch/policy"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

// awsConfig is the configuration of provider "aws" (see docs/aws.md).
type awsConfig struct {
	// Endpoint overrides every service's endpoint (the emulator);
	// SSM, STS, S3 and EC2 override one service each.
	Endpoint, SSM, STS, S3, EC2 string
	Bucket, BucketRegion        string
	Rate                        float64
	PollInterval                time.Duration
}

func (a *awsConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&a.Endpoint, "aws-endpoint", "", "endpoint of every AWS service, e.g. the emulator's http://127.0.0.1:4566")
	fs.StringVar(&a.SSM, "aws-ssm-endpoint", "", "SSM endpoint override")
	fs.StringVar(&a.STS, "aws-sts-endpoint", "", "STS endpoint override")
	fs.StringVar(&a.S3, "aws-s3-endpoint", "", "S3 endpoint override, path-style")
	fs.StringVar(&a.EC2, "aws-ec2-endpoint", "", "EC2 endpoint override (snapshots, pre-flight checks); default --aws-endpoint, else --aws-ssm-endpoint")
	fs.StringVar(&a.Bucket, "aws-bucket", "", "S3 bucket for baseline overrides and install lists")
	fs.StringVar(&a.BucketRegion, "aws-bucket-region", "", "region of the bucket")
	fs.Float64Var(&a.Rate, "aws-rate", 10, "requests per second per account and region, for SSM and for EC2 each (burst: the rate, at least 1); a policy target's rates (targets.aws[].rates) replace it for that account")
	fs.DurationVar(&a.PollInterval, "aws-poll", 5*time.Second, "how often command and agent status are polled")
}

// endpoints resolves the per-service overrides.
func (a awsConfig) endpoints() awsprov.Endpoints {
	pick := func(v string) string {
		if v != "" {
			return v
		}
		return a.Endpoint
	}
	return awsprov.Endpoints{SSM: pick(a.SSM), STS: pick(a.STS), S3: pick(a.S3), EC2: pick(a.EC2), CloudWatch: a.Endpoint}
}

// newAWSProvider builds the AWS provider over the policy's AWS targets,
// with the default credential chain. The targets carry their rates
// (targets.aws[].rates), which replace --aws-rate for their accounts.
func newAWSProvider(ctx context.Context, cfg config) (*awsprov.Provider, error) {
	pol, err := policy.Load(cfg.Policy)
	if err != nil {
		return nil, err
	}
	p, err := awsprov.FromPolicy(ctx, pol, awsprov.Config{
		Bucket: cfg.AWS.Bucket, BucketRegion: cfg.AWS.BucketRegion, Endpoints: cfg.AWS.endpoints(), Rate: cfg.AWS.Rate,
		PollInterval: cfg.AWS.PollInterval,
	})
	if err != nil {
		return nil, fmt.Errorf("%w (policy %s)", err, cfg.Policy)
	}
	return p, nil
}

package main

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/policy"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

// awsSimProvider serves the AWS emulator over the simulated fleet on a free
// loopback port and returns the real AWS provider pointed at it, so the dev
// stack runs the production AWS code path. The emulator accepts any
// credentials; these fixed ones never leave the machine.
func awsSimProvider(ctx context.Context, f *cloudsim.Fleet, policyPath string) (*awsprov.Provider, string, func(), error) {
	front := awsfront.New(f, awsfront.Options{})
	endpoint, stop, err := front.Start("127.0.0.1:0")
	if err != nil {
		return nil, "", nil, err
	}
	base := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAFLEETPATCHDEV001", "dev", "")}
	pol, err := policy.Load(policyPath)
	if err != nil {
		stop()
		return nil, "", nil, err
	}
	p, err := awsprov.FromPolicy(ctx, pol, awsprov.Config{
		Base: &base, Bucket: "fleetpatch-dev", Endpoints: awsprov.Endpoints{SSM: endpoint, STS: endpoint, S3: endpoint, CloudWatch: endpoint},
	})
	if err != nil {
		stop()
		return nil, "", nil, err
	}
	return p, endpoint, stop, nil
}

package aws_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/fleet"
	"github.com/fleetpatch/fleetpatch/policy"
	awsprov "github.com/fleetpatch/fleetpatch/providers/aws"
)

// env is a simulated fleet behind the AWS emulator, and a provider whose
// real SDK clients talk to it over HTTP.
type env struct {
	t     *testing.T
	fleet *cloudsim.Fleet
	front *awsfront.Server
	prov  *awsprov.Provider
	url   string
}

// targets are the default simulated accounts, each with a role.
func targets() []policy.AWSAccount {
	var out []policy.AWSAccount
	for _, a := range cloudsim.DefaultAWSAccounts {
		out = append(out, policy.AWSAccount{ID: a, RoleARN: "arn:aws:iam::" + a + ":role/fleetpatch-target",
			ExternalID: "fp-" + a, Regions: cloudsim.DefaultAWSRegions})
	}
	return out
}

// newEnv starts the emulator over a fleet of n AWS instances and a
// provider for the default accounts.
func newEnv(t *testing.T, n int, clock cloudsim.Clock, fopts awsfront.Options, tune func(*awsprov.Config)) *env {
	t.Helper()
	cfg := cloudsim.Config{Seed: 11, Instances: n, AzureShare: -1, Clock: clock, Timing: &cloudsim.Timing{}}
	if clock == nil {
		cfg.Speed = 1
	} else {
		// With a test clock, installs take simulated time.
		cfg.Timing = &cloudsim.Timing{InstallPerPackage: time.Minute, Reboot: time.Minute, RebootMaxWait: time.Hour}
	}
	f := cloudsim.Generate(cfg)
	fopts.ExternalIDs = map[string]string{}
	for _, a := range cloudsim.DefaultAWSAccounts {
		fopts.ExternalIDs[a] = "fp-" + a
	}
	front := awsfront.New(f, fopts)
	srv := httptest.NewServer(front)
	t.Cleanup(func() { srv.Close(); front.Close() })
	base := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIAFLEETPATCHTEST01", "secret", "")}
	pc := awsprov.Config{
		Targets: targets(), Base: &base, Bucket: "fleetpatch-overrides",
		Endpoints:    awsprov.Endpoints{SSM: srv.URL, STS: srv.URL, S3: srv.URL},
		PollInterval: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, Rate: 1000, Burst: 1000,
	}
	if tune != nil {
		tune(&pc)
	}
	p, err := awsprov.New(context.Background(), pc)
	require.NoError(t, err)
	return &env{t: t, fleet: f, front: front, prov: p, url: srv.URL}
}

// ids returns the AWS instances' IDs that the selector matches.
func (e *env) ids(sel fleet.Selector) []string {
	insts, err := e.fleet.Discover(context.Background(), sel)
	require.NoError(e.t, err)
	var out []string
	for _, i := range insts {
		out = append(out, i.ID)
	}
	return out
}

// awsfrontOpts are the emulator's options of most tests: small pages.
func awsfrontOpts() awsfront.Options { return awsfront.Options{PageSize: 4} }
